import { walkBth } from './bth.js';
import { MAX_BLOCK_DATA } from './layout.js';
import { type HnidValue, type LtpNode, resolveHnid } from './ltp-node.js';
import {
  cellSizeOf,
  describeProp,
  inlineInRow,
  type PropTypeInfo,
  propTypeInfo,
  valueSizeProblem,
} from './property-types.js';
import { hex } from './report.js';

/** A TCOLDESC ([MS-PST] §2.3.4.2) with its type's description (undefined for an unknown type). */
export interface TcColumn {
  readonly tag: number;
  readonly id: number;
  readonly type: number;
  readonly ibData: number;
  readonly cbData: number;
  readonly iBit: number;
  readonly info: PropTypeInfo | undefined;
  /** The cell and its CEB bit lie inside the row (a column that does not is reported and its cells never read). */
  readonly fits: boolean;
}

/** Called for each row the row index names, in row id order. */
export type RowVisitor = (rowId: number, row: Buffer, table: TableView) => Promise<void> | void;

const TAG_ROW_ID = 0x67f20003;
const TAG_ROW_VERSION = 0x67f30003;
/** Decoded row matrix blocks kept while a table is walked. */
const CACHED_ROW_BLOCKS = 4;

/**
 * Read access to a TC ([MS-PST] §2.3.4): TCINFO, the row matrix (a heap allocation or a subnode whose blocks hold
 * whole rows) and cells. Rows are read block by block, a few blocks kept, so a table of a million rows costs a few
 * blocks of memory.
 */
export class TableView {
  private readonly blockCache = new Map<number, Buffer>();

  private constructor(
    readonly node: LtpNode,
    readonly columns: readonly TcColumn[],
    /** rgib[TCI_1b]: where the cell existence bitmap starts. */
    readonly cebStart: number,
    /** rgib[TCI_bm]: the size of a row. */
    readonly rowSize: number,
    readonly hidRowIndex: number,
    readonly rowCount: number,
    private readonly inlineRows: Buffer | undefined,
    private readonly rowLeaves: readonly number[],
  ) {}

  /**
   * Reads and checks TCINFO at hidUserRoot (bType 0x7C, its size, rgib ascending, column descriptors) and finds the
   * row matrix; undefined when the table cannot be read further (reported through `node.problem`).
   */
  static async open(node: LtpNode): Promise<TableView | undefined> {
    const a = await node.heap.alloc(node.heap.hidUserRoot);
    if (a.bytes === undefined) {
      node.problem('tc.info', `TCINFO at hidUserRoot ${a.problem}`);
      return undefined;
    }
    const t = a.bytes;
    if (t.length < 22 || t[0] !== 0x7c || t.length !== 22 + 8 * t[1]!) {
      node.problem(
        'tc.info',
        `TCINFO is ${t.subarray(0, 8).toString('hex')} (${t.length} bytes), expected bType 0x7c and 22 + 8 x cCols bytes`,
      );
      return undefined;
    }
    const cCols = t[1]!;
    const rgib = [t.readUInt16LE(2), t.readUInt16LE(4), t.readUInt16LE(6), t.readUInt16LE(8)] as const;
    const [end4, end2, end1, rowSize] = rgib;
    if (
      !(end4 <= end2 && end2 <= end1 && end1 <= rowSize) ||
      rowSize < 4 ||
      rowSize > MAX_BLOCK_DATA ||
      rowSize - end1 < Math.ceil(cCols / 8)
    ) {
      node.problem(
        'tc.info',
        `TCINFO rgib ${rgib.join(', ')} are not ascending offsets ending in a row of at most ${MAX_BLOCK_DATA} bytes with a CEB of ${Math.ceil(cCols / 8)} bytes`,
      );
      return undefined;
    }
    const columns: TcColumn[] = [];
    for (let i = 0; i < cCols; i++) {
      const at = 22 + 8 * i;
      const tag = t.readUInt32LE(at);
      const type = tag & 0xffff;
      const ibData = t.readUInt16LE(at + 4);
      const cbData = t[at + 6]!;
      const iBit = t[at + 7]!;
      const fits = ibData + cbData <= end1 && end1 + (iBit >> 3) < rowSize;
      columns.push({ tag, id: tag >>> 16, type, ibData, cbData, iBit, info: propTypeInfo(type), fits });
    }
    checkColumns(node, columns, rgib, t.toString('latin1', 0, 10) + t.toString('latin1', 22));
    const hnidRows = t.readUInt32LE(14);
    let inlineRows: Buffer | undefined;
    let rowLeaves: number[] = [];
    let rowCount = 0;
    if (hnidRows !== 0 && (hnidRows & 0x1f) === 0) {
      const m = await node.heap.alloc(hnidRows);
      if (m.bytes === undefined) node.problem('tc.rows', `hnidRows ${m.problem}`);
      else {
        if (m.bytes.length % rowSize !== 0)
          node.problem(
            'tc.rows',
            `row matrix at HID ${hex(hnidRows)} holds ${m.bytes.length} bytes, not a multiple of the ${rowSize}-byte row`,
          );
        inlineRows = m.bytes;
        rowCount = Math.floor(m.bytes.length / rowSize);
      }
    } else if (hnidRows !== 0) {
      const e = node.subnodes.get(hnidRows);
      if (!e) node.problem('tc.rows', `hnidRows ${hex(hnidRows)} is dangling: not in the node's subnode tree`);
      else {
        rowLeaves = await node.subnodes.leaves(e.bidData);
        rowCount = TableView.countMatrixRows(
          node,
          rowLeaves.map((bid) => node.subnodes.blockSize(bid)),
          rowSize,
        );
      }
    }
    return new TableView(node, columns, end1, rowSize, t.readUInt32LE(10), rowCount, inlineRows, rowLeaves);
  }

  /** Rows of a row matrix in blocks of `sizes` (§2.3.4.4: whole rows per block, every block but the last 8176 bytes). */
  private static countMatrixRows(node: LtpNode, sizes: readonly number[], rowSize: number): number {
    const perBlock = Math.floor(MAX_BLOCK_DATA / rowSize);
    sizes.forEach((cb, k) => {
      if (k < sizes.length - 1 && cb !== MAX_BLOCK_DATA)
        node.problem(
          'tc.rows',
          `row matrix block ${k} holds ${cb} bytes; every block but the last must hold ${MAX_BLOCK_DATA}`,
        );
      if (k === sizes.length - 1 && cb % rowSize !== 0)
        node.problem('tc.rows', `last row matrix block holds ${cb} bytes, not a multiple of the ${rowSize}-byte row`);
    });
    return sizes.length === 0 ? 0 : (sizes.length - 1) * perBlock + Math.floor(sizes[sizes.length - 1]! / rowSize);
  }

  /** The bytes of row `index` (0-based in the row matrix), or undefined when they cannot be read; synchronous when at hand. */
  row(index: number): Buffer | undefined | Promise<Buffer | undefined> {
    if (index >= this.rowCount) return undefined;
    if (this.inlineRows) return this.inlineRows.subarray(index * this.rowSize, (index + 1) * this.rowSize);
    const perBlock = Math.floor(MAX_BLOCK_DATA / this.rowSize);
    const k = Math.floor(index / perBlock);
    const at = (index % perBlock) * this.rowSize;
    const block = this.blockCache.get(k);
    if (block) return this.rowIn(block, at);
    return this.node.subnodes.readBlock(this.rowLeaves[k]!).then((read) => {
      if (!read) return undefined;
      this.blockCache.set(k, read);
      if (this.blockCache.size > CACHED_ROW_BLOCKS) this.blockCache.delete(this.blockCache.keys().next().value!);
      return this.rowIn(read, at);
    });
  }

  private rowIn(block: Buffer, at: number): Buffer | undefined {
    return at + this.rowSize <= block.length ? block.subarray(at, at + this.rowSize) : undefined;
  }

  /** Whether the cell of `column` exists in `row` (its CEB bit, MSB first). */
  hasCell(row: Buffer, column: TcColumn): boolean {
    return (row[this.cebStart + (column.iBit >> 3)]! & (0x80 >> (column.iBit & 7))) !== 0;
  }

  /** The value of an existing cell of a column that fits the row: inline bytes of fixed types, else what its HNID names. */
  cell(row: Buffer, column: TcColumn, wantBytes: boolean): HnidValue | Promise<HnidValue> {
    if (column.info && inlineInRow(column.info))
      return { size: column.cbData, bytes: row.subarray(column.ibData, column.ibData + column.cbData) };
    if (column.cbData !== 4) return { problem: `a ${column.cbData}-byte cell, not an HNID` };
    return resolveHnid(this.node, row.readUInt32LE(column.ibData), wantBytes);
  }

  /** Walks the row index BTH (cbKey 4, cbEnt 4: dwRowID → dwRowIndex), reporting its problems when `check`. */
  async walkRows(check: boolean, visit: (rowId: number, rowIndex: number) => void | Promise<void>): Promise<number> {
    if (this.hidRowIndex === 0) return 0;
    const problem = check
      ? (code: string, message: string) =>
          this.node.problem(code === 'bth.key-order' ? 'tc.row-index' : code, `row index ${message}`)
      : () => {};
    const walk = await walkBth(this.node.heap, this.hidRowIndex, 4, 4, problem, (rec) =>
      visit(rec.readUInt32LE(0), rec.readUInt32LE(4)),
    );
    return walk.records;
  }
}

/** Column layouts (TCINFO bytes) found clean: a file repeats a few (every message's recipient table), checked once each. */
const cleanLayouts = new Set<string>();
const MAX_CLEAN_LAYOUTS = 256;

/** `TCOLDESC property 0x3001 (type 0x001f PtypString) (ibData 8, cbData 4, iBit 2)`. */
function columnText(c: TcColumn): string {
  return `TCOLDESC ${describeProp(c.id, c.type)} (ibData ${c.ibData}, cbData ${c.cbData}, iBit ${c.iBit})`;
}

/**
 * TCOLDESC checks: known type, cbData the type's cell size, the cell inside its group of rgib (4/8-byte, 2-byte,
 * 1-byte), iBit inside the CEB, no two columns sharing bytes or a bit, PidTagLtpRowId and PidTagLtpRowVer where
 * §2.3.4.4.1 puts them. `layout` (the TCINFO bytes) skips a layout already found clean.
 */
function checkColumns(
  node: LtpNode,
  columns: readonly TcColumn[],
  rgib: readonly [number, number, number, number],
  layout: string,
): void {
  if (cleanLayouts.has(layout)) return;
  const [end4, end2, end1, rowSize] = rgib;
  const bits = new Set<number>();
  const spans: [number, number, number][] = [];
  let clean = true;
  const problem = (message: string): void => {
    clean = false;
    node.problem('tc.column', message);
  };
  for (const c of columns) {
    if (!c.info) {
      problem(`${columnText(c)}: unknown property type`);
      continue;
    }
    const want = cellSizeOf(c.info);
    if (c.cbData !== want) problem(`${columnText(c)}: cbData ${c.cbData}, the type needs ${want}`);
    const [lo, hi] = c.cbData >= 4 ? [0, end4] : c.cbData === 2 ? [end4, end2] : [end2, end1];
    if (c.ibData < lo || c.ibData + c.cbData > hi)
      problem(
        `${columnText(c)}: cell [${c.ibData}, ${c.ibData + c.cbData}) is outside its ${c.cbData}-byte group [${lo}, ${hi}) of rgib`,
      );
    if (c.iBit >= 8 * (rowSize - end1)) problem(`${columnText(c)}: iBit is outside the ${rowSize - end1}-byte CEB`);
    if (bits.has(c.iBit)) problem(`${columnText(c)}: iBit is used by another column`);
    bits.add(c.iBit);
    spans.push([c.ibData, c.ibData + c.cbData, c.tag]);
    if (
      (c.tag === TAG_ROW_ID && (c.ibData !== 0 || c.iBit !== 0)) ||
      (c.tag === TAG_ROW_VERSION && (c.ibData !== 4 || c.iBit !== 1))
    ) {
      problem(`${columnText(c)}: PidTagLtpRowId must have ibData 0 and iBit 0, PidTagLtpRowVer ibData 4 and iBit 1`);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1])
      problem(
        `TCOLDESC of tag ${hex(spans[i]![2])} at ${spans[i]![0]} overlaps the cell of tag ${hex(spans[i - 1]![2])} ending at ${spans[i - 1]![1]}`,
      );
  }
  if (clean && cleanLayouts.size < MAX_CLEAN_LAYOUTS) cleanLayouts.add(layout);
}

/**
 * Checks a TC ([MS-PST] §2.3.4): TCINFO and its column descriptors, the row index BTH (row ids ascending and unique,
 * each dwRowIndex inside the row matrix and naming a row whose dwRowID is that row id, no row named twice, every row
 * named), and in every indexed row each existing variable-size cell: its HNID resolves and the size fits the type.
 * `visit` sees each row after its checks.
 */
export async function checkTableContext(node: LtpNode, visit?: RowVisitor): Promise<TableView | undefined> {
  const table = await TableView.open(node);
  if (!table) return undefined;
  const rows = new RowChecker(table, visit);
  const records = await table.walkRows(true, (rowId, rowIndex) => rows.check(rowId, rowIndex));
  if (records !== table.rowCount)
    node.problem('tc.row-index', `row index has ${records} records, the row matrix ${table.rowCount} rows`);
  return table;
}

/**
 * The checks of the rows of one table. Synchronous while the rows' blocks and cells' heap blocks are at hand: a
 * promise per cell would cost more than the check.
 */
class RowChecker {
  private readonly node: LtpNode;
  private readonly outOfLine: readonly TcColumn[];
  /** Rows named so far by the row index, a bit each. */
  private readonly seen: Uint8Array;

  constructor(
    private readonly table: TableView,
    private readonly visit: RowVisitor | undefined,
  ) {
    this.node = table.node;
    this.outOfLine = table.columns.filter((c) => c.fits && c.cbData === 4 && c.info && !inlineInRow(c.info));
    this.seen = new Uint8Array(Math.ceil(table.rowCount / 8));
  }

  /** Checks the row the row index record {rowId, rowIndex} names. */
  check(rowId: number, rowIndex: number): void | Promise<void> {
    const { node, table, seen } = this;
    if (rowIndex >= table.rowCount) {
      node.problem(
        'tc.row-index',
        `row index record for row id ${hex(rowId)} names row ${rowIndex}, the row matrix has ${table.rowCount}`,
      );
      return;
    }
    if (seen[rowIndex >> 3]! & (1 << (rowIndex & 7)))
      node.problem(
        'tc.row-index',
        `row index record for row id ${hex(rowId)} names row ${rowIndex}, already named by another row id`,
      );
    seen[rowIndex >> 3]! |= 1 << (rowIndex & 7);
    const row = table.row(rowIndex);
    return row instanceof Promise
      ? row.then((r) => this.checkRow(rowId, rowIndex, r))
      : this.checkRow(rowId, rowIndex, row);
  }

  private checkRow(rowId: number, rowIndex: number, row: Buffer | undefined): void | Promise<void> {
    if (!row) {
      this.node.problem(
        'tc.rows',
        `row index record for row id ${hex(rowId)}: row ${rowIndex} cannot be read from the row matrix`,
      );
      return;
    }
    if (row.readUInt32LE(0) !== rowId)
      this.node.problem(
        'tc.row-index',
        `row index record for row id ${hex(rowId)} names row ${rowIndex}, whose dwRowID is ${hex(row.readUInt32LE(0))}`,
      );
    return this.checkCells(rowId, row, rowIndex, 0);
  }

  private checkCells(rowId: number, row: Buffer, rowIndex: number, from: number): void | Promise<void> {
    const { table, outOfLine } = this;
    for (let k = from; k < outOfLine.length; k++) {
      const c = outOfLine[k]!;
      if (!table.hasCell(row, c)) continue;
      const v = table.cell(row, c, c.info!.variableElements);
      if (v instanceof Promise) {
        return v.then((value) => {
          this.judge(row, rowIndex, c, value);
          return this.checkCells(rowId, row, rowIndex, k + 1);
        });
      }
      this.judge(row, rowIndex, c, v);
    }
    return this.visit?.(rowId, row, table);
  }

  private judge(row: Buffer, rowIndex: number, c: TcColumn, v: HnidValue): void {
    const problem =
      v.problem !== undefined
        ? `HNID ${hex(row.readUInt32LE(c.ibData))} is ${v.problem}`
        : valueSizeProblem(c.info!, c.type, v.size, v.bytes);
    if (problem)
      this.node.problem(
        'tc.cell',
        `row ${rowIndex} (id ${hex(row.readUInt32LE(0))}) cell ${describeProp(c.id, c.type)}: ${v.problem !== undefined ? '' : 'value '}${problem}`,
      );
  }
}
