#!/usr/bin/env node
// Runs every test file of the workspace with Node's own test runner, from the TypeScript sources
// (tsx loader, "source" export condition), so that tests never depend on a stale build.
// Usage: node scripts/run-tests.mjs [path-substring ...]
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
let files = await fg(['packages/*/test/**/*.test.ts', 'fixtures/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'], {
  cwd: root,
  absolute: true,
});
files.sort();
if (filters.length) files = files.filter((f) => filters.some((s) => relative(root, f).includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
