/** Severity of a finding: errors break the file for at least one consumer, warnings are oddities. */
export type CheckSeverity = 'error' | 'warning';

/** One problem found by {@link checkPst}. */
export interface CheckFinding {
  /** Stable machine-readable code, e.g. `page.crc` or `header.crc-full`. */
  readonly code: string;
  readonly severity: CheckSeverity;
  /** Human-readable text naming the structure, its offset and the offending value. */
  readonly message: string;
  /** Structure the finding is about, e.g. `header`, `BBT page`, `block`, `AMap page`, `node 0x21`. */
  readonly structure: string;
  /** Absolute file offset of the structure, when it has one. */
  readonly offset?: number;
}

/** Options of {@link checkPst}. */
export interface CheckOptions {
  /**
   * Treat the oddities that real Outlook files sometimes show but that our own writer must never produce
   * (missing/invalid DList, leaked AMap space, cRef above references + 1, unreferenced blocks, wVerClient,
   * reserved BID bit) as errors, and check PidTagMessageSize and PidTagAttachSize to equal the bytes of the object's
   * data blocks, as our writer stores them (other writers compute them their own way). Default false.
   */
  readonly strict?: boolean;
  /**
   * Check heap-on-node headers of PC/TC nodes and subnodes, their PCs and TCs, and the folder cross-checks
   * (counts, contents rows against their messages). Default true.
   */
  readonly heap?: boolean;
  /** Keep at most this many findings per list (errors, warnings); counts stay exact. Default 200. */
  readonly maxFindings?: number;
}

/** Figures gathered while checking. */
export interface CheckStats {
  fileSize: number;
  wVer: number;
  cryptMethod: number;
  amapPages: number;
  bbtPages: number;
  nbtPages: number;
  bbtDepth: number;
  nbtDepth: number;
  blocks: number;
  nodes: number;
  subnodes: number;
  heapsChecked: number;
  /** PCs whose records were checked (nodes and subnodes). */
  propertyContexts: number;
  /** TCs whose columns, row index and cells were checked. */
  tableContexts: number;
  /** Free bytes according to the AMap bits. */
  computedAMapFree: number;
  /** cbAMapFree stored in the header. */
  headerAMapFree: number;
  /** Bytes marked allocated in the AMaps that no page or block uses. */
  leakedBytes: number;
  /** Histogram "cRef:references" -> number of blocks. */
  crefVsRefs: Record<string, number>;
  errorCount: number;
  warningCount: number;
  /** Number of findings per code (exact even when the lists are truncated). */
  countsByCode: Record<string, number>;
}

/** Result of {@link checkPst}. `ok` is true when there is no error (warnings allowed). */
export interface CheckReport {
  ok: boolean;
  /** False when the file could not be parsed far enough to run every check (not a PST, ANSI, truncated header). */
  complete: boolean;
  errors: CheckFinding[];
  warnings: CheckFinding[];
  stats: CheckStats;
}
