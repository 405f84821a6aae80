/**
 * What removeAbandoned may delete in a tmp dir that several hosts share (a volume mounted in several containers):
 * only directories of dead processes of this host. An owner file from another host is kept, whatever its pid.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createExportDirectory, removeAbandoned } from '../../src/pipeline/temp-dir.js';
import { freshDir } from './support.js';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  return new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
}

test('removeAbandoned: a dead pid of this host is removed, the same pid recorded by another host is kept', async (t) => {
  const tmp = await freshDir(t);
  const pid = await deadPid();
  const here = join(tmp, 'pstream-here');
  const elsewhere = join(tmp, 'pstream-elsewhere');
  const legacy = join(tmp, 'pstream-legacy');
  for (const d of [here, elsewhere, legacy]) await mkdir(d);
  await writeFile(join(here, 'owner'), `${pid}\n${hostname()}\n`);
  await writeFile(join(elsewhere, 'owner'), `${pid}\nanother-host-${hostname()}\n`);
  await writeFile(join(legacy, 'owner'), `${pid}\n`);
  assert.deepEqual((await removeAbandoned(tmp)).sort(), [here, legacy].sort());
  assert.deepEqual(await readdir(tmp), ['pstream-elsewhere']);
});

test('createExportDirectory records the pid and the host name', async (t) => {
  const tmp = await freshDir(t);
  const dir = await createExportDirectory(tmp);
  assert.equal(await readFile(join(dir, 'owner'), 'utf8'), `${process.pid}\n${hostname()}\n`);
});
