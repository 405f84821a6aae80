/**
 * Nothing dropped: every message file of two public corpora of odd real-world MIME (enmime's test data and Python's
 * test_email data, from Debian; see packages/sources/test/odd-mime-corpora.ts) is exactly one item of the exported
 * PST (a message, or a damaged item's placeholder), in its folder, as pst-extractor and pypff read it.
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { requireReaders, runPypff } from '../../../pst/test/support/oracles.js';
import { corpusFiles, ENMIME, PYTHON_EMAIL, requireCorpus } from '../../../sources/test/odd-mime-corpora.js';
import { exportToPst } from '../../src/index.js';
import { saveStream } from '../pipeline/output-check.js';
import { readPst } from '../split/read-pst.js';
import { freshDir } from './support.js';

test('every file of both odd-MIME corpora is one item of the output, in its folder; none is missing', async (t) => {
  if (!requireCorpus(t, ENMIME) || !requireCorpus(t, PYTHON_EMAIL)) return;
  if (!(await requireReaders(t, 'pypff', 'pstextractor'))) return;
  const dir = await freshDir(t);
  const tree = join(dir, 'tree');
  /** Folder path (as the readers print it) → files copied into it. */
  const expected: Record<string, number> = {};
  let files = 0;
  for (const corpus of [ENMIME, PYTHON_EMAIL]) {
    for (const file of corpusFiles(corpus)) {
      const target = join(tree, corpus.name, file.replace(/\.[a-z]+$/, '.eml'));
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(corpus.dir, file), target);
      const folder = dirname(join(corpus.name, file));
      expected[folder] = (expected[folder] ?? 0) + 1;
      files += 1;
    }
  }
  assert.equal(files, 126);
  const handle = exportToPst({ sources: [tree], name: 'corpora', tmpDir: dir });
  const out = join(dir, 'corpora.pst');
  await saveStream(handle.stream, out);
  const summary = await handle.summary;
  assert.equal(summary.scanned, files);
  assert.equal(summary.matched + summary.damaged, files, summary.warnings.join('\n'));
  assert.equal(summary.skipped, 0);
  assert.deepEqual(
    summary.parts.map((p) => p.messages),
    [files],
  );

  const byExtractor = Object.fromEntries(
    [...(await readPst(out)).folders].filter(([, s]) => s.length > 0).map(([f, s]) => [f, s.length]),
  );
  assert.deepEqual(byExtractor, expected, 'pst-extractor');
  const pypff = await runPypff(out);
  assert.deepEqual(pypff.errors, []);
  const byPypff = Object.fromEntries(
    pypff.folders.filter((f) => f.messageCount > 0).map((f) => [f.path, f.messageCount]),
  );
  assert.deepEqual(byPypff, expected, 'pypff');
});
