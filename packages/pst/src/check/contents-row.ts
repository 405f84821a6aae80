import { Growable } from './growable.js';
import type { LtpNode } from './ltp-node.js';
import { resolveHnid } from './ltp-node.js';
import { findNid, sortOrder } from './node-index.js';
import type { PcRecord } from './property-context.js';
import { describeProp } from './property-types.js';
import type { TableView } from './table-context.js';

/**
 * The message properties a contents table row must agree with ([MS-PST] §2.4.4.5: its columns are copied from the
 * message): class, subject, flags, size and the dates, as tags (id << 16 | type).
 */
export const CONTENTS_CHECKED_TAGS = [
  0x001a001f, 0x0037001f, 0x00390040, 0x0e060040, 0x0e070003, 0x0e080003, 0x30080040,
] as const;

/**
 * Position of PidTagMessageSize, compared only under `strict`: Outlook updates a message's size without its row (two
 * Outlook-made reference files, pstsdk_submessage.pst and aspose_SampleOstFile.ost, carry rows a few hundred bytes
 * behind their messages), so a stale row size is no defect of PST files in general; our writer copies it exactly.
 */
const SIZE_INDEX = CONTENTS_CHECKED_TAGS.indexOf(0x0e080003);

/** A property's value bytes as a row cell holds them, null when absent, undefined when it cannot be read. */
export type CheckedValue = Buffer | null | undefined;

const FNV_PRIME = 0x01000193;

/** A present value as 32 bits: 4-byte values exactly, longer ones by FNV-1a. */
function valueKey(v: Buffer): number {
  if (v.length === 4) return v.readUInt32LE(0);
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v[i]!, FNV_PRIME);
  return h >>> 0;
}

/** The checked values of a message PC, in CONTENTS_CHECKED_TAGS order (4-byte values inline, others resolved). */
export async function messageValues(node: LtpNode, records: readonly PcRecord[]): Promise<CheckedValue[]> {
  const out: CheckedValue[] = [];
  for (const t of CONTENTS_CHECKED_TAGS) {
    const r = records.find((x) => x.id === t >>> 16 && x.type === (t & 0xffff));
    if (!r) out.push(null);
    else if ((t & 0xffff) === 0x0003) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(r.hnid);
      out.push(b);
    } else {
      const v = await resolveHnid(node, r.hnid, true);
      out.push(v.problem === undefined ? v.bytes : undefined);
    }
  }
  return out;
}

/** The checked values of a contents table row; undefined when the table lacks one of the columns. */
export async function rowValues(table: TableView, row: Buffer): Promise<CheckedValue[] | undefined> {
  const out: CheckedValue[] = [];
  for (const t of CONTENTS_CHECKED_TAGS) {
    const c = table.columns.find((x) => x.tag === t);
    if (!c) return undefined;
    if (!c.fits) {
      out.push(undefined);
      continue;
    }
    if (!table.hasCell(row, c)) out.push(null);
    else {
      const v = await table.cell(row, c, true);
      out.push(v.problem === undefined ? v.bytes : undefined);
    }
  }
  return out;
}

/** Readable text of a checked value. */
function show(tag: number, v: CheckedValue): string {
  if (v === null) return 'absent';
  if (v === undefined) return 'unreadable';
  const type = tag & 0xffff;
  if (type === 0x001f) {
    const s = v.toString('utf16le');
    return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
  }
  if (type === 0x0003 && v.length === 4) return String(v.readInt32LE(0));
  if (type === 0x0040 && v.length === 8) {
    const ticks = v.readBigUInt64LE(0);
    const ms = Number(ticks / 10_000n) - 11_644_473_600_000;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? `FILETIME 0x${ticks.toString(16)}` : d.toISOString();
  }
  return `0x${v.toString('hex')}`;
}

/**
 * Whether a row value and a message value disagree: both present and different, or (under `strict`, where rows must
 * copy the message exactly) one present and the other absent. Outlook leaves some row-only values (an OST's rows carry
 * PidTagLastModificationTime its messages lack), so presence alone is not checked otherwise. Unreadable values are
 * reported where they are stored.
 */
function disagree(i: number, row: CheckedValue, message: CheckedValue, strict: boolean): boolean {
  if (i === SIZE_INDEX && !strict) return false;
  if (row === undefined || message === undefined) return false;
  if (row === null || message === null) return strict && row !== message;
  return !row.equals(message);
}

/** One sentence per checked property whose row value disagrees with the message's. */
export function differences(row: readonly CheckedValue[], message: readonly CheckedValue[], strict: boolean): string[] {
  const out: string[] = [];
  CONTENTS_CHECKED_TAGS.forEach((t, i) => {
    if (disagree(i, row[i], message[i], strict))
      out.push(
        `${describeProp(t >>> 16, t & 0xffff)} is ${show(t, row[i])} in the row, ${show(t, message[i])} in the message`,
      );
  });
  return out;
}

const N = CONTENTS_CHECKED_TAGS.length;

/**
 * The checked values of the top-level messages, by NID: per value 32 bits (exact for 4-byte values, a hash for
 * others) and whether it is present, absent or unreadable, so that a message costs 33 bytes and no PC is kept.
 */
export class MessageDigests {
  private readonly nids = new Growable(Uint32Array);
  private readonly keys = new Growable(Uint32Array, 1024 * N);
  /** Per message: bit i value i present, bit N + i value i absent. */
  private readonly states = new Growable(Uint16Array);
  private order: Uint32Array | undefined;
  /** Whether `order` is computed (once every message is added). */
  private sorted = false;

  add(nid: number, values: readonly CheckedValue[]): void {
    this.sorted = false;
    this.nids.push(nid);
    let state = 0;
    for (let i = 0; i < N; i++) {
      const v = values[i];
      this.keys.push(v ? valueKey(v) : 0);
      if (v) state |= 1 << i;
      else if (v === null) state |= 1 << (N + i);
    }
    this.states.push(state);
  }

  /**
   * Whether the row's values may disagree with message `nid`'s (see {@link differences}); false too when the message
   * was not read. A true answer is confirmed by reading the message again.
   */
  mayDisagree(nid: number, row: readonly CheckedValue[], strict: boolean): boolean {
    const k = this.find(nid);
    if (k < 0) return false;
    const state = this.states.at(k);
    for (let i = 0; i < N; i++) {
      const v = row[i];
      const message = state & (1 << i) ? 1 : state & (1 << (N + i)) ? null : undefined;
      if (v === undefined || message === undefined || (i === SIZE_INDEX && !strict)) continue;
      if (v === null || message === null) {
        if (strict && (v === null) !== (message === null)) return true;
      } else if (valueKey(v) !== this.keys.at(k * N + i)) return true;
    }
    return false;
  }

  private find(nid: number): number {
    const nids = this.nids.view();
    if (!this.sorted) {
      this.order = sortOrder(nids);
      this.sorted = true;
    }
    return findNid(nids, this.order, nid);
  }
}
