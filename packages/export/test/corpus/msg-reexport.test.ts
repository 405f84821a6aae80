/**
 * The MSG source's carried properties reach the PST: each sample .msg of packages/sources/test/data/msg is exported
 * (`exportToPstFile`), and pffexport must read every property the source carries — tagged and named, on the
 * message, of the types compared here (strings, 32-bit integers, booleans, binaries) — with the value the source
 * read from the .msg.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MessageRecord } from '@pstream/pst';
import { MsgSource } from '@pstream/sources';
import { requireTool } from '../../../pst/test/support/oracles.js';
import { pffexportItems } from '../../../pst/test/support/pffexport-items.js';
import { exportToPstFile } from '../../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../../sources/test/data/msg');

type Carried = NonNullable<MessageRecord['extraProperties']>[number];

/** pffexport's key and hex value for a carried property of the types compared here (else undefined). */
function expected(p: Carried): [string, string] | undefined {
  const v = p.value;
  let type: string;
  let hex: string;
  if (v.type === 'String') [type, hex] = ['001f', Buffer.from(v.value, 'utf16le').toString('hex')];
  else if (v.type === 'Integer32') {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v.value);
    [type, hex] = ['0003', b.toString('hex')];
  } else if (v.type === 'Boolean') [type, hex] = ['000b', v.value ? '01' : '00'];
  else if (v.type === 'Binary') [type, hex] = ['0102', Buffer.from(v.value).toString('hex')];
  else return undefined;
  const id =
    p.kind === 'tagged'
      ? `0x${p.id.toString(16).padStart(4, '0')}`
      : p.lid !== undefined
        ? `lid:0x${p.lid.toString(16).padStart(4, '0')}`
        : `name:${p.name}`;
  return [`${id}/${type}`, hex];
}

for (const file of ['attachAndInline.msg', 'msgInMsgInMsg.msg']) {
  test(`${file}: every property the MSG source carries is in the exported PST, as pffexport reads it`, async (t) => {
    if (!(await requireTool(t, 'pffexport', 'pff-tools'))) return;
    const source = join(DATA, file);
    const dir = await mkdtemp(join(tmpdir(), 'pstream-msg-reexport-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    let record: MessageRecord | undefined;
    const reader = new MsgSource(source);
    for await (const m of reader.messages()) record = m.record;
    assert.ok(record?.extraProperties?.length, 'the source carries properties');
    const summary = await exportToPstFile({ sources: [source], name: 'msg' }, join(dir, 'msg.pst'));
    const items = await pffexportItems(summary.path);
    assert.equal(items.length, 1, 'one item in the export');
    const got = items[0]!.properties;
    let compared = 0;
    const problems: string[] = [];
    for (const p of record.extraProperties ?? []) {
      const e = expected(p);
      if (e === undefined) continue;
      const [key, hex] = e;
      // pffexport drops the trailing NUL of a string; an empty string is a NUL.
      const theirs = got.get(key)?.replace(/(0000)+$/, '');
      if (theirs !== hex.replace(/(0000)+$/, '')) problems.push(`${key}: ${theirs ?? 'missing'}, carried ${hex}`);
      compared++;
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    assert.ok(compared >= 15, `${compared} properties compared`);
  });
}
