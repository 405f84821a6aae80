import type { CheckFinding, CheckSeverity, CheckStats } from './types.js';

/** Codes that are warnings by default and errors under `strict`. */
const STRICT_CODES = new Set([
  'dlist.missing',
  'dlist.page',
  'dlist.bid',
  'amap.leak',
  'block.cref-high',
  'block.unreferenced',
  'header.client-version',
  'header.platform',
  'header.amap-valid1',
  'bid.reserved-bit',
]);

/** Thrown to stop checking when the structure cannot be parsed any further. */
export class FatalCheckError extends Error {}

/** Collects findings, bounded in number, with exact counts per code. */
export class Reporter {
  readonly errors: CheckFinding[] = [];
  readonly warnings: CheckFinding[] = [];
  readonly countsByCode: Record<string, number> = {};
  errorCount = 0;
  warningCount = 0;

  constructor(
    private readonly maxFindings: number,
    private readonly strict: boolean,
  ) {}

  /** Records an error. */
  error(code: string, structure: string, offset: number | undefined, message: string): void {
    this.add('error', code, structure, offset, message);
  }

  /** Records a warning (an error when `strict` and the code is one of the strict codes). */
  warn(code: string, structure: string, offset: number | undefined, message: string): void {
    this.add(this.strict && STRICT_CODES.has(code) ? 'error' : 'warning', code, structure, offset, message);
  }

  /** Records an error and stops the check. */
  fatal(code: string, structure: string, offset: number | undefined, message: string): never {
    this.error(code, structure, offset, message);
    throw new FatalCheckError(message);
  }

  private add(
    severity: CheckSeverity,
    code: string,
    structure: string,
    offset: number | undefined,
    message: string,
  ): void {
    this.countsByCode[code] = (this.countsByCode[code] ?? 0) + 1;
    const text = `${structure}${offset === undefined ? '' : ` at ${offset} (0x${offset.toString(16)})`}: ${message}`;
    const finding: CheckFinding =
      offset === undefined
        ? { code, severity, message: text, structure }
        : { code, severity, message: text, structure, offset };
    if (severity === 'error') {
      this.errorCount++;
      if (this.errors.length < this.maxFindings) this.errors.push(finding);
    } else {
      this.warningCount++;
      if (this.warnings.length < this.maxFindings) this.warnings.push(finding);
    }
  }
}

/** Fresh statistics with every figure at zero. */
export function emptyStats(): CheckStats {
  return {
    fileSize: 0,
    wVer: 0,
    cryptMethod: 0,
    amapPages: 0,
    bbtPages: 0,
    nbtPages: 0,
    bbtDepth: 0,
    nbtDepth: 0,
    blocks: 0,
    nodes: 0,
    subnodes: 0,
    heapsChecked: 0,
    propertyContexts: 0,
    tableContexts: 0,
    computedAMapFree: 0,
    headerAMapFree: 0,
    leakedBytes: 0,
    crefVsRefs: {},
    errorCount: 0,
    warningCount: 0,
    countsByCode: {},
  };
}

/** `0x`-prefixed hexadecimal. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
