/**
 * Table Context (TC) — [MS-PST] §2.3.4: a heap (bClientSig 0x7C) whose user root is TCINFO. Rows have a fixed layout
 * (4/8-byte cells, then 2-byte, then 1-byte, then the cell existence bitmap, CEB); variable cells hold HNIDs. The
 * RowIndex is a BTH {row id → row index}. The row matrix is a heap allocation when it fits one (3580 bytes), else a
 * subnode data tree whose blocks hold whole rows, every block but the last exactly 8176 bytes (§2.3.4.4).
 *
 * Rows are appended in ascending row id and written as blocks fill, so a table of any length needs a few pages of
 * memory: a folder's contents table grows with its messages while the file is written.
 */

import { Buffer } from 'node:buffer';
import { putU16, putU32, viewOf } from '../io/bytes.js';
import { MAX_BLOCK_DATA } from '../ndb/constants.js';
import type { DataTree } from '../ndb/data-tree.js';
import { DataTreeWriter } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { BthBuilder } from './bth.js';
import { Heap, HeapClient, MAX_HEAP_ALLOCATION } from './heap.js';
import { cellSize, isFixedInRow, PropType, tag, tagType } from './property-type.js';
import { Subnodes } from './subnodes.js';

export const TAG_ROW_ID = tag(0x67f2, PropType.Integer32);
export const TAG_ROW_VERSION = tag(0x67f3, PropType.Integer32);

/**
 * A cell: a number for fixed cells of 4 bytes or less, bytes for 8-byte fixed and variable cells, clean text (see
 * `cleanText`) for PtypString cells.
 */
export type Cell = number | string | Uint8Array;

/** TCOLDESC — [MS-PST] §2.3.4.2. */
export interface ColumnLayout {
  readonly tag: number;
  readonly offset: number;
  readonly size: number;
  readonly bit: number;
  /** The row holds the value itself (fixed types), not an HNID. */
  readonly fixed: boolean;
}

/** The layout of a table's rows, computed once per column set. */
export class RowLayout {
  readonly columns: readonly ColumnLayout[];
  /** `rgib`: ends of the 4/8-byte, 2-byte and 1-byte groups, and of the CEB (the row size). */
  readonly groupEnds: readonly [number, number, number, number];
  readonly rowSize: number;
  private readonly byTag = new Map<number, ColumnLayout>();

  constructor(tags: readonly number[]) {
    const others = [...new Set(tags)].filter((t) => t !== TAG_ROW_ID && t !== TAG_ROW_VERSION).sort((a, b) => a - b);
    const placed: ColumnLayout[] = [
      { tag: TAG_ROW_ID, offset: 0, size: 4, bit: 0, fixed: true },
      { tag: TAG_ROW_VERSION, offset: 4, size: 4, bit: 1, fixed: true },
    ];
    let offset = 8;
    let bit = 2;
    const ends: number[] = [];
    for (const sizes of [[8, 4], [2], [1]]) {
      for (const size of sizes) {
        for (const t of others) {
          if (cellSize(tagType(t)) !== size) continue;
          placed.push({ tag: t, offset, size, bit: bit++, fixed: isFixedInRow(tagType(t)) });
          offset += size;
        }
      }
      ends.push(offset);
    }
    const rowSize = offset + Math.ceil(placed.length / 8);
    this.groupEnds = [ends[0]!, ends[1]!, ends[2]!, rowSize];
    this.rowSize = rowSize;
    this.columns = [...placed].sort((a, b) => a.tag - b.tag);
    for (const c of placed) this.byTag.set(c.tag, c);
    this.columns.forEach((c, i) => {
      this.indexByTag.set(c.tag, i);
    });
    // TCINFO without hidRowIndex and hnidRows — [MS-PST] §2.3.4.1.
    const info = new Uint8Array(22 + 8 * this.columns.length);
    const view = viewOf(info);
    info[0] = 0x7c; // bType
    info[1] = this.columns.length; // cCols
    this.groupEnds.forEach((end, i) => {
      view.setUint16(2 + 2 * i, end, true); // rgib
    });
    this.columns.forEach((c, i) => {
      const at = 22 + 8 * i;
      view.setUint32(at, c.tag, true); // tag
      view.setUint16(at + 4, c.offset, true); // ibData
      info[at + 6] = c.size; // cbData
      info[at + 7] = c.bit; // iBit
    });
    this.tcInfo = info;
  }

  private readonly indexByTag = new Map<number, number>();
  /** TCINFO with hidRowIndex, hnidRows and hidIndex zero. */
  readonly tcInfo: Uint8Array;

  column(t: number): ColumnLayout | undefined {
    return this.byTag.get(t);
  }

  /** The position of a column in `columns` (tag order), or -1. */
  columnIndex(t: number): number {
    return this.indexByTag.get(t) ?? -1;
  }
}

export class TableWriter {
  private heap: Heap;
  private rowIndex: BthBuilder;
  private readonly tcInfoHid: number;
  private subnodes: Subnodes;
  /** Rows while they fit one heap allocation. */
  private inlineRows: Uint8Array | null;
  private inlineLength = 0;
  /** Once the matrix outgrows the heap: its subnode, the block being filled, and the tree of full blocks. */
  private matrixNid = 0;
  private block: Uint8Array | null = null;
  private blockLength = 0;
  private matrix: DataTreeWriter | null = null;
  private rowCount = 0;
  private lastRowId = -1;
  private readonly row: Uint8Array;
  private readonly rowsPerBlock: number;

  constructor(
    private readonly ndb: NdbWriter,
    readonly layout: RowLayout,
  ) {
    this.heap = new Heap(ndb, HeapClient.TableContext);
    this.subnodes = new Subnodes(ndb);
    this.rowIndex = new BthBuilder(this.heap, 4, 4);
    this.tcInfoHid = this.heap.allocate(22 + 8 * layout.columns.length).hid;
    this.row = new Uint8Array(layout.rowSize);
    this.inlineRows = new Uint8Array(Math.min(4, Math.floor(MAX_HEAP_ALLOCATION / layout.rowSize)) * layout.rowSize);
    this.rowsPerBlock = Math.floor(MAX_BLOCK_DATA / layout.rowSize);
  }

  get rows(): number {
    return this.rowCount;
  }

  /**
   * Appends a row. `cells` maps column tags to values; a column left out is absent (its CEB bit clear). An empty
   * variable value is present with HNID 0. Row ids must ascend.
   */
  addRow(rowId: number, cells: ReadonlyMap<number, Cell>, rowVersion = 1): void {
    this.beginRow(rowId, rowVersion);
    const { layout } = this;
    // In the map's order: variable cells take heap allocations in that order.
    for (const [t, value] of cells) {
      const column = layout.column(t);
      if (!column) throw new Error(`internal: no column 0x${t.toString(16)} in this table`);
      this.setCell(column, value);
    }
    this.endRow(rowId);
  }

  /**
   * Appends a row from values in column order (`layout.columns`, by tag); `undefined` is an absent cell. Cells are
   * stored in `order` (column positions; all of them in tag order by default), which decides the order of the heap
   * allocations of variable cells. The row id and row version columns take `rowId` and `rowVersion` whatever their
   * slots hold. Row ids must ascend.
   */
  addRowValues(rowId: number, values: ArrayLike<Cell | undefined>, order?: ArrayLike<number>, rowVersion = 1): void {
    this.beginRow(rowId, rowVersion);
    const columns = this.layout.columns;
    if (order) {
      for (let k = 0; k < order.length; k++) {
        const i = order[k]!;
        const value = values[i];
        if (value !== undefined) this.setCell(columns[i]!, value);
      }
    } else {
      for (let i = 0; i < columns.length; i++) {
        const value = values[i];
        if (value !== undefined) this.setCell(columns[i]!, value);
      }
    }
    this.endRow(rowId);
  }

  private beginRow(rowId: number, rowVersion: number): void {
    if (rowId <= this.lastRowId) throw new Error(`internal: TC row ids must ascend (${rowId} after ${this.lastRowId})`);
    this.lastRowId = rowId;
    const { row } = this;
    row.fill(0);
    putU32(row, 0, rowId);
    putU32(row, 4, rowVersion);
    row[this.layout.groupEnds[2]] = 0xc0; // CEB bits 0 and 1: row id and row version
  }

  private setCell(column: ColumnLayout, value: Cell): void {
    if (column.bit < 2) return;
    const { row } = this;
    if (typeof value === 'number') {
      if (column.size === 4) putU32(row, column.offset, value);
      else if (column.size === 2) putU16(row, column.offset, value);
      else if (column.size === 1) row[column.offset] = value ? 1 : 0;
      else throw new Error(`internal: column 0x${column.tag.toString(16)} needs 8 bytes`);
    } else if (typeof value === 'string') {
      if (column.fixed) throw new Error(`internal: column 0x${column.tag.toString(16)} is not a string`);
      putU32(row, column.offset, this.storeText(value));
    } else if (column.fixed) {
      const n = Math.min(column.size, value.length);
      for (let j = 0; j < n; j++) row[column.offset + j] = value[j]!;
    } else {
      putU32(row, column.offset, this.storeCell(value));
    }
    row[this.layout.groupEnds[2] + (column.bit >> 3)]! |= 0x80 >> (column.bit & 7);
  }

  private endRow(rowId: number): void {
    this.rowIndex.addU32(rowId, this.rowCount);
    this.appendRow();
    this.rowCount++;
  }

  private storeText(text: string): number {
    if (text.length === 0) return 0;
    if (2 * text.length <= MAX_HEAP_ALLOCATION) return this.heap.storeString(text);
    return this.subnodes.storeValue(Buffer.from(text, 'utf16le'));
  }

  private storeCell(value: Uint8Array): number {
    if (value.length === 0) return 0;
    if (value.length <= MAX_HEAP_ALLOCATION) return this.heap.store(value);
    return this.subnodes.storeValue(value);
  }

  private appendRow(): void {
    const size = this.layout.rowSize;
    const inlineCapacity = Math.floor(MAX_HEAP_ALLOCATION / size) * size;
    if (this.inlineRows && this.inlineLength + size <= inlineCapacity) {
      if (this.inlineLength + size > this.inlineRows.length) {
        const grown = new Uint8Array(Math.min(inlineCapacity, this.inlineRows.length * 2));
        grown.set(this.inlineRows);
        this.inlineRows = grown;
      }
      this.inlineRows.set(this.row, this.inlineLength);
      this.inlineLength += size;
      return;
    }
    if (this.inlineRows) {
      // The matrix outgrows one heap allocation: move it to a subnode data tree.
      this.matrixNid = this.subnodes.nextLtpNid();
      this.matrix = new DataTreeWriter(this.ndb);
      this.block = new Uint8Array(MAX_BLOCK_DATA);
      const rows = this.inlineRows.subarray(0, this.inlineLength);
      this.inlineRows = null;
      for (let at = 0; at < rows.length; at += size) this.appendToBlock(rows.subarray(at, at + size));
    }
    this.appendToBlock(this.row);
  }

  private appendToBlock(row: Uint8Array): void {
    if (this.blockLength + row.length > this.rowsPerBlock * this.layout.rowSize) {
      // Every block but the last is exactly 8176 bytes (§2.3.4.4): the zero padding is part of the block.
      this.block!.fill(0, this.blockLength);
      this.matrix!.push(this.block!);
      this.block!.fill(0);
      this.blockLength = 0;
    }
    this.block!.set(row, this.blockLength);
    this.blockLength += row.length;
  }

  /** Writes the table: returns the node's data tree and its subnode tree (0 when none). */
  finish(): { data: DataTree; bidSub: number } {
    let hnidRows = 0;
    if (this.inlineRows) {
      if (this.inlineLength > 0) hnidRows = this.heap.store(this.inlineRows.subarray(0, this.inlineLength));
    } else {
      this.matrix!.push(this.block!.subarray(0, this.blockLength));
      const tree = this.matrix!.finish();
      this.subnodes.add({ nid: this.matrixNid, bidData: tree.bid, bidSub: 0 });
      hnidRows = this.matrixNid;
    }
    this.rowIndex.finish();
    // TCINFO — [MS-PST] §2.3.4.1: the layout's, with this table's row index and rows.
    const info = this.heap.bytesOf(this.tcInfoHid);
    info.set(this.layout.tcInfo);
    putU32(info, 10, this.rowIndex.headerHid); // hidRowIndex
    putU32(info, 14, hnidRows); // hnidRows
    const data = this.heap.finish(this.tcInfoHid);
    return { data, bidSub: this.subnodes.finish() };
  }

  /** A deep copy, to project what finishing would write without disturbing this table. */
  clone(): TableWriter {
    const copy = Object.create(TableWriter.prototype) as TableWriter;
    Object.assign(copy, this);
    copy.heap = this.heap.clone();
    copy.rowIndex = this.rowIndex.clone(copy.heap);
    copy.subnodes = this.subnodes.clone();
    copy.inlineRows = this.inlineRows?.slice() ?? null;
    copy.block = this.block?.slice() ?? null;
    copy.matrix = this.matrix?.clone() ?? null;
    return copy;
  }
}
