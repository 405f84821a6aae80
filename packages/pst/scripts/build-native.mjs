#!/usr/bin/env node
// Builds the optional native kernel (native/pst_kernel.c → native/build/pst_kernel.node) with the system C
// compiler and Node's own headers: no node-gyp, no network. Runs as the package's install script, so it never
// fails: without a compiler, headers or a supported platform, or when compilation fails, it says in one line that
// the JavaScript encoder will be used, and exits 0. Skips the build when the .node is newer than the .c.
// Usage: node scripts/build-native.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'pst_kernel.c');
const output = join(root, 'native', 'build', 'pst_kernel.node');
const force = process.argv.includes('--force');

/** Set once a build is due: an older .node must not outlive a failed build of a newer source. */
let removeStale = false;

function fallback(reason) {
  if (removeStale) rmSync(output, { force: true });
  console.log(`@pstream/pst: native kernel not built (${reason}); the JavaScript encoder will be used`);
  process.exit(0);
}

function headerDirectory() {
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(join(process.env.npm_config_nodedir, 'include', 'node'));
  candidates.push(join(dirname(process.execPath), '..', 'include', 'node'));
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

function compiler() {
  const candidates = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
  return candidates.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

try {
  if (!['linux', 'darwin'].includes(process.platform) || !['x64', 'arm64'].includes(process.arch)) {
    fallback(`unsupported platform ${process.platform}-${process.arch}`);
  }
  if (!existsSync(source)) fallback(`${relative(root, source)} is missing`);
  if (!force && existsSync(output) && statSync(output).mtimeMs > statSync(source).mtimeMs) {
    process.exit(0);
  }
  removeStale = true;
  const include = headerDirectory();
  if (!include) fallback('no Node headers (node_api.h) next to the node binary or in npm_config_nodedir');
  const cc = compiler();
  if (!cc) fallback('no C compiler (cc, gcc or clang)');
  mkdirSync(dirname(output), { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  const args = ['-O2', '-std=c11', '-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Wextra', `-I${include}`];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  else args.push('-pthread');
  args.push(source, '-o', temporary);
  const run = spawnSync(cc, args, { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    rmSync(temporary, { force: true });
    const detail = (run.stderr || run.error?.message || '').trim().split('\n')[0] ?? '';
    fallback(`${cc} failed${detail ? `: ${detail}` : ''}`);
  }
  renameSync(temporary, output);
  console.log(`@pstream/pst: built ${relative(root, output)}`);
} catch (error) {
  fallback(error instanceof Error ? error.message : String(error));
}
