/**
 * Property types — [MS-PST] §2.1.1 (from [MS-OXCDATA] §2.11.1) and how each is stored in a PC or a TC row.
 */

export const PropType = {
  Integer16: 0x0002,
  Integer32: 0x0003,
  Floating64: 0x0005,
  ErrorCode: 0x000a,
  Boolean: 0x000b,
  Object: 0x000d,
  Integer64: 0x0014,
  String8: 0x001e,
  String: 0x001f,
  Time: 0x0040,
  Guid: 0x0048,
  Binary: 0x0102,
  MultipleInteger32: 0x1003,
  MultipleString: 0x101f,
  MultipleBinary: 0x1102,
} as const;

/** A property tag: id << 16 | type. */
export function tag(id: number, type: number): number {
  return ((id << 16) | type) >>> 0;
}

export function tagType(t: number): number {
  return t & 0xffff;
}

export function tagId(t: number): number {
  return t >>> 16;
}

/** Bytes a value of `type` takes inline in a TC row (variable types take a 4-byte HNID). */
export function cellSize(type: number): number {
  switch (type) {
    case PropType.Boolean:
      return 1;
    case PropType.Integer16:
      return 2;
    case PropType.Integer64:
    case PropType.Floating64:
    case PropType.Time:
    case 0x0006: // Currency
    case 0x0007: // FloatingTime
      return 8;
    default:
      return 4;
  }
}

/** Whether a PC stores the value inline in `dwValueHnid` ([MS-PST] §2.3.3.3). */
export function isInlineInPc(type: number): boolean {
  return (
    type === PropType.Integer16 ||
    type === PropType.Integer32 ||
    type === PropType.Boolean ||
    type === PropType.ErrorCode ||
    type === 0x0004
  );
}

/** Whether a TC row holds the value itself rather than an HNID. */
export function isFixedInRow(type: number): boolean {
  return isInlineInPc(type) || cellSize(type) === 8;
}
