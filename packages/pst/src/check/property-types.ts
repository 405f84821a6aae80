/**
 * Property types as the checker knows them: [MS-PST] §2.1.1 (from [MS-OXCDATA] §2.11.1) and how each is stored in a
 * PC record ([MS-PST] §2.3.3.3) or a TC cell (§2.3.4.4.1). Restated here rather than imported from the writer's
 * `ltp/`, so that a writer mistake is not mirrored by the checker.
 */

/** How a value of a type is stored. */
export interface PropTypeInfo {
  readonly name: string;
  /** Size of a fixed-size value; 0 for variable-size types. */
  readonly fixed: number;
  /** For fixed-element multi-valued types, the size of one element; 0 otherwise. */
  readonly element: number;
  /** Multi-valued type of variable-size elements (ulCount, rgulDataOffsets, data). */
  readonly variableElements: boolean;
}

const fixed = (name: string, size: number): PropTypeInfo => ({
  name,
  fixed: size,
  element: 0,
  variableElements: false,
});
const variable = (name: string): PropTypeInfo => ({ name, fixed: 0, element: 0, variableElements: false });
const multiple = (name: string, element: number): PropTypeInfo => ({
  name,
  fixed: 0,
  element,
  variableElements: element === 0,
});

const TYPES = new Map<number, PropTypeInfo>([
  [0x0002, fixed('PtypInteger16', 2)],
  [0x0003, fixed('PtypInteger32', 4)],
  [0x0004, fixed('PtypFloating32', 4)],
  [0x0005, fixed('PtypFloating64', 8)],
  [0x0006, fixed('PtypCurrency', 8)],
  [0x0007, fixed('PtypFloatingTime', 8)],
  [0x000a, fixed('PtypErrorCode', 4)],
  [0x000b, fixed('PtypBoolean', 1)],
  [0x0014, fixed('PtypInteger64', 8)],
  [0x0040, fixed('PtypTime', 8)],
  [0x0048, fixed('PtypGuid', 16)],
  [0x000d, variable('PtypObject')],
  [0x001e, variable('PtypString8')],
  [0x001f, variable('PtypString')],
  [0x00fb, variable('PtypServerId')],
  [0x00fd, variable('PtypRestriction')],
  [0x00fe, variable('PtypRuleAction')],
  [0x0102, variable('PtypBinary')],
  [0x1002, multiple('PtypMultipleInteger16', 2)],
  [0x1003, multiple('PtypMultipleInteger32', 4)],
  [0x1004, multiple('PtypMultipleFloating32', 4)],
  [0x1005, multiple('PtypMultipleFloating64', 8)],
  [0x1006, multiple('PtypMultipleCurrency', 8)],
  [0x1007, multiple('PtypMultipleFloatingTime', 8)],
  [0x1014, multiple('PtypMultipleInteger64', 8)],
  [0x1040, multiple('PtypMultipleTime', 8)],
  [0x1048, multiple('PtypMultipleGuid', 16)],
  [0x101e, multiple('PtypMultipleString8', 0)],
  [0x101f, multiple('PtypMultipleString', 0)],
  [0x1102, multiple('PtypMultipleBinary', 0)],
]);

/** What the checker knows of `type`, or undefined for a type outside the list (0x0000 PtypUnspecified included). */
export function propTypeInfo(type: number): PropTypeInfo | undefined {
  return TYPES.get(type);
}

/** `0x0037001f`-style tag text with the type's name. */
export function describeProp(id: number, type: number): string {
  const info = TYPES.get(type);
  return `property 0x${id.toString(16).padStart(4, '0')} (type 0x${type.toString(16).padStart(4, '0')}${info ? ` ${info.name}` : ''})`;
}

/** True when a PC record holds the value itself in dwValueHnid (fixed types of 4 bytes or less, §2.3.3.3). */
export function inlineInPc(info: PropTypeInfo): boolean {
  return info.fixed > 0 && info.fixed <= 4;
}

/** True when a TC row holds the value itself (fixed types of 8 bytes or less, §2.3.4.4.1). */
export function inlineInRow(info: PropTypeInfo): boolean {
  return info.fixed > 0 && info.fixed <= 8;
}

/** The cbData a TCOLDESC must have for a type: the fixed size when inline, else 4 (an HNID). */
export function cellSizeOf(info: PropTypeInfo): number {
  return inlineInRow(info) ? info.fixed : 4;
}

/**
 * Problem with a value of `size` bytes of this type, or undefined when the size fits: fixed types stored out of line
 * need exactly their size, strings whole UTF-16 code units, fixed-element multi-valued types whole elements, and
 * variable-element ones a count, offsets inside the value and ascending; an empty variable-size value is
 * allowed (`head` is the value's bytes, or at least
 * its first 4 + 4 × count, when known).
 */
export function valueSizeProblem(
  info: PropTypeInfo,
  type: number,
  size: number,
  head: Buffer | undefined,
): string | undefined {
  if (info.fixed > 0) return size === info.fixed ? undefined : `holds ${size} bytes, expected ${info.fixed}`;
  if (size === 0) return undefined; // an empty variable-size value: HNID 0
  if (type === 0x001f && size % 2 !== 0) return `holds ${size} bytes, an odd size for UTF-16 text`;
  if (info.element > 0 && size % info.element !== 0)
    return `holds ${size} bytes, not a multiple of the ${info.element}-byte element`;
  if (!info.variableElements || head === undefined) return undefined;
  if (size < 4) return `holds ${size} bytes, too few for ulCount`;
  const count = head.readUInt32LE(0);
  if (4 + 4 * count > size) return `ulCount ${count} needs ${4 + 4 * count} bytes of offsets, the value has ${size}`;
  if (head.length < 4 + 4 * count) return undefined;
  let prev = 4 + 4 * count;
  for (let i = 0; i < count; i++) {
    const off = head.readUInt32LE(4 + 4 * i);
    if (off < prev || off > size) return `rgulDataOffsets[${i}] ${off} is outside [${prev}, ${size}]`;
    prev = off;
  }
  return undefined;
}
