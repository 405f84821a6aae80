/**
 * Where the sample PSTs of shared/reference/samples are (see SOURCES.md there), for the tests that read them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from '../../../pst/test/support/oracles.js';

/** The samples: `PSTREAM_SAMPLES_DIR`, else `shared/reference/samples` beside the repository (as CI lays it out), else /work/shared. */
export const SAMPLES =
  process.env.PSTREAM_SAMPLES_DIR ??
  [join(REPO_ROOT, '..', 'shared', 'reference', 'samples'), '/work/shared/reference/samples'].find((d) =>
    existsSync(join(d, 'SOURCES.md')),
  ) ??
  '';

/** Skips (fails under CI=true) when the sample directory is not there. */
export function requireSamples(t: TestContext): boolean {
  if (SAMPLES !== '') return true;
  const message = 'sample PSTs not found: set PSTREAM_SAMPLES_DIR to shared/reference/samples';
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}
