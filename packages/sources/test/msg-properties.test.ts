/**
 * The MSG source carries every property of a .msg file's objects (`msg-properties.ts`): checked against
 * @kenjiuno/msgreader's own decoding of the same files (`includeRawProps`), a second decoder of the property stream
 * and the value streams, for every property both decode — strings, integers, booleans, binaries — on the message,
 * its attachments and its embedded messages, three levels deep.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FieldsData } from '@kenjiuno/msgreader';
import type { MessageRecord } from '@pstream/pst';
import { MsgSource } from '../src/msg.js';
import {
  ATTACHMENT_NOT_CARRIED,
  type ExtraProperty,
  MESSAGE_NOT_CARRIED,
  NAMED_BY_RECORD,
} from '../src/pst-properties.js';
import { drain } from './helpers.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data', 'msg');

interface RawProp {
  propertyTag?: string;
  propertySet?: string;
  propertyLid?: string;
  propertyName?: string;
  value?: unknown;
}

async function msgreaderFields(path: string): Promise<FieldsData> {
  const module = (await import('@kenjiuno/msgreader')) as unknown as { default: unknown };
  const exported = module.default as { default?: unknown };
  const MsgReader = (exported.default ?? exported) as new (
    ab: ArrayBuffer,
  ) => { parserConfig?: object; getFileData(): FieldsData };
  const bytes = await readFile(path);
  const reader = new MsgReader(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
  reader.parserConfig = { includeRawProps: true };
  return reader.getFileData();
}

/** msgreader's value of a property in the form ours takes, for the types both decode; undefined for others. */
function theirs(p: RawProp): string | undefined {
  const type = p.propertyTag?.slice(4);
  if (type === '001f' || type === '001e') return typeof p.value === 'string' ? JSON.stringify(p.value) : undefined;
  if (type === '0003') return typeof p.value === 'number' ? String(p.value | 0) : undefined;
  if (type === '000b') return typeof p.value === 'boolean' ? String(p.value) : undefined;
  if (type === '0102') return p.value instanceof Uint8Array ? Buffer.from(p.value).toString('hex') : undefined;
  return undefined;
}

function ours(p: ExtraProperty): string | undefined {
  const v = p.value;
  if (v.type === 'String' || v.type === 'String8') return JSON.stringify(v.value);
  if (v.type === 'Integer32') return String(v.value);
  if (v.type === 'Boolean') return String(v.value);
  if (v.type === 'Binary') return Buffer.from(v.value).toString('hex');
  return undefined;
}

/** Compares one object's properties; returns how many were compared. */
function compare(
  where: string,
  raw: readonly RawProp[],
  carried: readonly ExtraProperty[],
  skip: ReadonlySet<number>,
  named: ReadonlySet<number>,
): number {
  let compared = 0;
  for (const p of raw) {
    const expected = theirs(p);
    if (expected === undefined || p.propertyTag === undefined) continue;
    const id = parseInt(p.propertyTag.slice(0, 4), 16);
    let match: ExtraProperty | undefined;
    if (id < 0x8000) {
      if (skip.has(id) || named.has(id)) continue;
      match = carried.find((c) => c.kind === 'tagged' && c.id === id);
    } else if (
      p.propertyLid !== undefined &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(p.propertySet ?? '')
    ) {
      const lid = parseInt(p.propertyLid, 16);
      match = carried.find(
        (c) => c.kind === 'named' && c.lid === lid && c.propertySet === p.propertySet!.toLowerCase(),
      );
    } else if (p.propertyName !== undefined) {
      match = carried.find((c) => c.kind === 'named' && c.name === p.propertyName);
    } else {
      continue;
    }
    assert.ok(match, `${where}: property ${p.propertyTag} ${p.propertyLid ?? p.propertyName ?? ''} is carried`);
    assert.equal(ours(match), expected, `${where}: property ${p.propertyTag} ${p.propertyLid ?? p.propertyName ?? ''}`);
    compared++;
  }
  return compared;
}

function walk(where: string, fields: FieldsData, record: MessageRecord): number {
  let compared = compare(
    where,
    (fields as { rawProps?: RawProp[] }).rawProps ?? [],
    record.extraProperties ?? [],
    MESSAGE_NOT_CARRIED,
    NAMED_BY_RECORD,
  );
  const attachments = fields.attachments ?? [];
  assert.equal(record.attachments?.length ?? 0, attachments.length, `${where}: attachments`);
  attachments.forEach((att, i) => {
    const a = record.attachments![i]!;
    compared += compare(
      `${where}/attachment ${i + 1}`,
      (att as { rawProps?: RawProp[] }).rawProps ?? [],
      a.extraProperties ?? [],
      ATTACHMENT_NOT_CARRIED,
      new Set([0x3001, 0x3704, 0x3707, 0x370e, 0x3712, 0x7ffe]),
    );
    if (a.kind === 'message' && att.innerMsgContentFields !== undefined)
      compared += walk(`${where}/attachment ${i + 1}`, att.innerMsgContentFields, a.message);
  });
  return compared;
}

for (const file of ['attachAndInline.msg', 'msgInMsgInMsg.msg']) {
  test(`${file}: every property msgreader decodes is carried with the same value, on the message, its attachments and embedded messages`, async () => {
    const path = join(DATA, file);
    const { messages, damaged } = await drain((report) => new MsgSource(path, { reportDamaged: report }));
    assert.deepEqual(damaged, []);
    const compared = walk(file, await msgreaderFields(path), messages[0]!.record);
    assert.ok(compared >= 20, `${file}: ${compared} properties compared`);
  });
}

test('a .msg item keeps named properties with their set and LID or name', async () => {
  const path = join(DATA, 'attachAndInline.msg');
  const { messages } = await drain((report) => new MsgSource(path, { reportDamaged: report }));
  const named = (messages[0]!.record.extraProperties ?? []).filter((p) => p.kind === 'named');
  assert.ok(named.length > 0, 'named properties are carried');
  for (const p of named) {
    assert.match(p.propertySet, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok((p.lid === undefined) !== (p.name === undefined), `one of lid and name: ${JSON.stringify(p)}`);
  }
});
