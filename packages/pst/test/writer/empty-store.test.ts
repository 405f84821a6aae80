/**
 * An empty store compared with the one Outlook made (`outlook-empty.pst`): the node set, the property tags and types
 * of every PC, the columns of every TC and the rows of the root hierarchy table, through pstdump.py. Every difference
 * is listed below with its reason; anything else fails.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PstWriter } from '@pstream/pst';
import { ORACLES_DIR, requireTool } from '../support/oracles.js';
import { assertCheckClean, tempDir } from './support.js';

const REFERENCE = resolve(ORACLES_DIR, '..', 'reference');
const OUTLOOK_EMPTY = join(REFERENCE, 'outlook-empty.pst');
const PSTDUMP = join(REFERENCE, 'pstdump.py');

/** One node as pstdump.py prints it. */
interface DumpedNode {
  kind: string;
  /** PC: "TAG Type"; TC: column tags; other: nothing. */
  tags: string[];
  rows: string[];
  /** The node's lines as printed, values included. */
  lines: string[];
}

async function dump(path: string): Promise<Map<string, DumpedNode>> {
  const { stdout } = await promisify(execFile)('python3', [PSTDUMP, path], { maxBuffer: 1 << 26 });
  const nodes = new Map<string, DumpedNode>();
  let current: DumpedNode | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^nid (0x[0-9a-f]+): (.*)$/.exec(line);
    if (head) {
      const client = /client=(0x[0-9a-f]+)/.exec(head[2]!)?.[1];
      current = {
        kind: client ? `heap ${client}` : head[2]!.startsWith('EMPTY') ? 'empty' : head[2]!.split(' (')[0]!,
        tags: [],
        rows: [],
        lines: [],
      };
      nodes.set(head[1]!, current);
      continue;
    }
    if (!current) continue;
    current.lines.push(line.trim());
    const prop = /^ {6}([0-9A-F]{4}) (\w+)/.exec(line);
    if (prop) current.tags.push(`${prop[1]} ${prop[2]}`);
    const cols = /^ {6}cols: (.*)$/.exec(line);
    if (cols) current.tags.push(...cols[1]!.split(' ').map((c) => c.split('@')[0]!));
    const rows = /rows: \[(.*)\]$/.exec(line);
    if (rows) current.rows.push(...[...rows[1]!.matchAll(/'(0x[0-9a-f]+)'/g)].map((m) => m[1]!));
  }
  return nodes;
}

/** Nodes Outlook has and we do not write. */
const OMITTED_NODES: Record<string, string> = {
  '0x8082': 'IPM_COMMON_VIEWS folder: optional; Outlook creates it when missing (user folders take index 0x404)',
  '0x808d': 'IPM_COMMON_VIEWS hierarchy table',
  '0x808e': 'IPM_COMMON_VIEWS contents table',
  '0x808f': 'IPM_COMMON_VIEWS FAI table',
  '0xe01': 'undocumented internal node; PSTForge and OfficeIMO files pass ScanPST without it',
  '0xe41': 'undocumented internal node (empty)',
  '0xee1': 'undocumented internal node (raw data)',
  '0xf01': 'undocumented internal node (raw data)',
  '0xf21': 'undocumented internal node (empty)',
};

/** Per node: tags (PC "TAG Type", TC column tag) Outlook has and we do not ("-") or we have and Outlook does not ("+"). */
const TAG_DIFFERENCES: Record<string, Record<string, string>> = {
  '0x21': {
    '-35E6 Bin': 'PidTagCommonViewsEntryId: points at IPM_COMMON_VIEWS, which we omit',
    '-66FA I4': 'unknown store property Outlook sets; PSTForge and OfficeIMO omit it',
    '-66FC I4': 'unknown store property Outlook sets; PSTForge and OfficeIMO omit it',
  },
  '0x61': {
    '*bucket':
      'Name-to-ID map: we map only our own named properties (Keywords, ReminderDelta), so other buckets are filled',
  },
  '0x8062': {
    '+3613 Unicode':
      'Deleted Items gets PidTagContainerClass IPF.Note like every mail folder we write (reference §5.3, PSTForge)',
  },
  '0x12d': {
    '*extra-columns':
      'Outlook adds columns to some folder hierarchy tables; ours carry the template columns (a superset is allowed, fewer is not)',
  },
  '0x802d': { '*extra-columns': 'as 0x12d' },
  '0x802e': {
    '*extra-columns': 'Outlook adds 31 columns to the IPM subtree contents table; ours carry the 28 template columns',
  },
  '0x804d': { '*extra-columns': 'as 0x12d' },
  '0x12f': { '*extra-columns': 'Outlook adds FAI columns to the root FAI table; ours carry the template columns' },
};

test("an empty store has Outlook's nodes, property tags and table columns, differences listed with reasons", async (t) => {
  if (!existsSync(OUTLOOK_EMPTY) || !existsSync(PSTDUMP)) {
    t.skip(`reference files not found beside ${ORACLES_DIR}`);
    return;
  }
  if (!(await requireTool(t, 'python3', 'python3'))) return;
  const dir = await tempDir(t);
  const w = await PstWriter.create(join(dir, 'Empty.pst'), { deterministic: true });
  const summary = await w.finish();
  await assertCheckClean(summary.path);
  const [outlook, ours] = await Promise.all([dump(OUTLOOK_EMPTY), dump(summary.path)]);

  const missing = [...outlook.keys()].filter((n) => !ours.has(n));
  const extra = [...ours.keys()].filter((n) => !outlook.has(n));
  assert.deepEqual(missing.sort(), Object.keys(OMITTED_NODES).sort(), 'nodes Outlook has and we do not');
  assert.deepEqual(extra, [], 'nodes we write and Outlook does not');

  const problems: string[] = [];
  for (const [nid, theirs] of outlook) {
    const mine = ours.get(nid);
    if (!mine) continue;
    if (mine.kind !== theirs.kind) problems.push(`${nid}: kind ${mine.kind}, Outlook ${theirs.kind}`);
    const allowed = TAG_DIFFERENCES[nid] ?? {};
    const isColumns = theirs.tags.some((x) => /^[0-9A-F]{8}$/.test(x));
    for (const tag of theirs.tags) {
      if (mine.tags.includes(tag) || `-${tag}` in allowed) continue;
      if ('*bucket' in allowed && /^10[0-9A-F]{2} Bin$/.test(tag)) continue;
      if ('*extra-columns' in allowed && isColumns) continue;
      problems.push(`${nid}: Outlook has ${tag}, we do not`);
    }
    for (const tag of mine.tags) {
      if (theirs.tags.includes(tag) || `+${tag}` in allowed) continue;
      if ('*bucket' in allowed && /^10[0-9A-F]{2} Bin$/.test(tag)) continue;
      problems.push(`${nid}: we have ${tag}, Outlook does not`);
    }
  }
  // the root hierarchy table lists the same children but IPM_COMMON_VIEWS
  assert.deepEqual(
    ours.get('0x12d')!.rows.sort(),
    outlook
      .get('0x12d')!
      .rows.filter((r) => r !== '0x8082')
      .sort(),
  );
  assert.deepEqual(problems, []);
});

/** PidTagValidFolderMask bits — FOLDER_*_VALID of MAPI — and the store EntryID property each one vouches for. */
const VALID_FOLDER_BITS: readonly [number, string][] = [
  [0x01, '35E0'], // FOLDER_IPM_SUBTREE_VALID: PidTagIpmSubTreeEntryId
  [0x02, '35E1'], // FOLDER_IPM_INBOX_VALID
  [0x04, '35E2'], // FOLDER_IPM_OUTBOX_VALID: PidTagIpmOutboxEntryId
  [0x08, '35E3'], // FOLDER_IPM_WASTEBASKET_VALID: PidTagIpmWastebasketEntryId
  [0x10, '35E4'], // FOLDER_IPM_SENTMAIL_VALID: PidTagIpmSentMailEntryId
  [0x20, '35E5'], // FOLDER_VIEWS_VALID: PidTagViewsEntryId
  [0x40, '35E6'], // FOLDER_COMMON_VIEWS_VALID: PidTagCommonViewsEntryId
  [0x80, '35E7'], // FOLDER_FINDER_VALID: PidTagFinderEntryId
];

/** The bits of PidTagValidFolderMask that disagree with the EntryIDs the store PC (0x21) has. */
function maskMismatches(store: DumpedNode): string[] {
  const mask = Number(/^35DF I4 +(\d+)$/m.exec(store.lines.join('\n'))?.[1] ?? NaN);
  const has = (id: string): boolean => store.tags.includes(`${id} Bin`);
  // 0x35E1 is not a store property (the Inbox comes from the receive-folder table): its bit is never set in a PST.
  return VALID_FOLDER_BITS.filter(([bit, id]) => Boolean(mask & bit) !== (id !== '35E1' && has(id))).map(
    ([bit, id]) => `0x${bit.toString(16)} (${id})`,
  );
}

test("the store's valid-folder mask and the hierarchy map are laid out as Outlook lays them out", async (t) => {
  if (!existsSync(OUTLOOK_EMPTY) || !existsSync(PSTDUMP)) {
    t.skip(`reference files not found beside ${ORACLES_DIR}`);
    return;
  }
  if (!(await requireTool(t, 'python3', 'python3'))) return;
  const dir = await tempDir(t);
  const summary = await (await PstWriter.create(join(dir, 'Empty.pst'), { deterministic: true })).finish();
  const [outlook, ours] = await Promise.all([dump(OUTLOOK_EMPTY), dump(summary.path)]);
  // The rule holds for Outlook's own store (0xC9, with the common-views folder) and for ours (0x89, without it).
  assert.deepEqual(maskMismatches(outlook.get('0x21')!), []);
  assert.deepEqual(maskMismatches(ours.get('0x21')!), []);
  // Hierarchy map (0xC01): the same heap allocations (a 4-byte root holding the BTH header's HID, then the header).
  const allocations = (n: DumpedNode | undefined): string | undefined => n?.lines.find((l) => l.startsWith('page0 '));
  assert.equal(allocations(ours.get('0xc01')), allocations(outlook.get('0xc01')));
});
