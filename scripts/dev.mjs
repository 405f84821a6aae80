#!/usr/bin/env node
// One entry point for the README's commands, so that they work on a machine that has only Node and npm:
// it installs the workspace with the pinned pnpm (through npx) when needed, builds it, then runs the task.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpmSpec = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpm(args) {
  const onPath = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' });
  const wanted = pnpmSpec.split('@')[1];
  if (onPath.status === 0 && onPath.stdout.trim() === wanted) return run('pnpm', args);
  return run('npx', ['--yes', pnpmSpec, ...args]);
}

function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (!fresh) {
    const args = existsSync(lock) ? ['install', '--frozen-lockfile'] : ['install'];
    if (pnpm(args) !== 0) process.exit(1);
  }
  // The native kernel (optional): pnpm builds it at install; this rebuilds it after its source changed. Never fails.
  run(process.execPath, [join(root, 'packages', 'pst', 'scripts', 'build-native.mjs')]);
  if (run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']) !== 0) process.exit(1);
}

const [task, ...rest] = process.argv.slice(2);
ensureInstalled();
let status;
switch (task) {
  case 'test':
    status = run(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), ...rest]);
    break;
  case 'demo':
    status = run(process.execPath, [
      join(root, 'packages', 'cli', 'dist', 'src', 'main.js'),
      'export',
      '--source',
      join(root, 'fixtures', 'demo', 'mailbox'),
      '--source',
      join(root, 'fixtures', 'demo', 'organizer'),
      '--keywords',
      'support',
      '--out',
      join(root, 'out', 'demo'),
      ...rest,
    ]);
    break;
  case 'bench':
  case 'bench:export':
    status = run(process.execPath, [
      join(root, 'benchmarks', 'dist', 'src', task === 'bench' ? 'micro.js' : 'export.js'),
      ...rest,
    ]);
    break;
  case 'build':
    status = 0;
    break;
  default:
    console.error(`usage: node scripts/dev.mjs test|demo|bench|bench:export|build`);
    status = 2;
}
process.exit(status);
