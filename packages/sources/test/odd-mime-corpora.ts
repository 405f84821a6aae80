/**
 * Two public corpora of odd real-world MIME, as Debian installs them: enmime's test data (CC0, package
 * golang-github-jhillyerd-enmime-dev; every `*.raw` under `testdata/`) and Python's test_email data (package
 * libpython3.11-testsuite; `msg_*.txt`). Tests that need them are skipped when they are missing, naming the
 * package, and fail under `CI=true`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestContext } from 'node:test';

export interface MimeCorpus {
  readonly name: string;
  readonly debianPackage: string;
  readonly dir: string;
  /** Whether a file below `dir` (its path relative to `dir`) is one of the corpus's messages. */
  readonly isMessage: (relativePath: string) => boolean;
}

export const ENMIME: MimeCorpus = {
  name: 'enmime',
  debianPackage: 'golang-github-jhillyerd-enmime-dev',
  dir: '/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata',
  isMessage: (p) => p.endsWith('.raw'),
};

export const PYTHON_EMAIL: MimeCorpus = {
  name: 'python-test_email',
  debianPackage: 'libpython3.11-testsuite',
  dir: '/usr/lib/python3.11/test/test_email/data',
  isMessage: (p) => /^msg_[0-9a-z]+\.txt$/.test(p),
};

/** Whether the corpus is installed; when not, skips the test (or fails it under `CI=true`) naming the package. */
export function requireCorpus(t: TestContext, corpus: MimeCorpus): boolean {
  if (existsSync(corpus.dir)) return true;
  const message = `the ${corpus.name} corpus is missing (${corpus.dir}): install the Debian package ${corpus.debianPackage} (apt-get install -y ${corpus.debianPackage})`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/** The corpus's message files (paths relative to its directory), sorted. */
export function corpusFiles(corpus: MimeCorpus): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (corpus.isMessage(relative(corpus.dir, path))) out.push(relative(corpus.dir, path));
    }
  };
  walk(corpus.dir);
  return out.sort();
}
