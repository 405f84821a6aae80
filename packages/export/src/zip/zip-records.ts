/**
 * The byte layouts of the ZIP records a stored (uncompressed) archive needs, after PKWARE's APPNOTE.TXT 6.3.x.
 * Section numbers below refer to that document. All integers are little-endian (§4.4.1.1).
 *
 * Every entry is written with a data descriptor (general purpose bit 3, §4.4.4), because its CRC-32 is known only
 * once its bytes have been streamed. Zip64 structures (§4.3.9.2, §4.3.14, §4.3.15, §4.5.3) appear exactly where a
 * value does not fit its 32-bit (or 16-bit) field, or everywhere when `forceZip64` is set (tests use that to check
 * readers on small archives).
 */

/** A 32-bit size or offset field holding this value means "see the zip64 record" (§4.4.8, §4.5.3). */
export const ZIP32_MAX = 0xffffffff;
/** A 16-bit count field holding this value means "see the zip64 end record" (§4.4.1.4). */
export const ZIP16_MAX = 0xffff;

const LOCAL_FILE_HEADER_SIGNATURE = 0x04034b50; // §4.3.7
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50; // §4.3.9.3
const CENTRAL_FILE_HEADER_SIGNATURE = 0x02014b50; // §4.3.12
const ZIP64_END_SIGNATURE = 0x06064b50; // §4.3.14
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50; // §4.3.15
const END_SIGNATURE = 0x06054b50; // §4.3.16
const ZIP64_EXTRA_ID = 0x0001; // §4.5.3

/** §4.4.3.2: 2.0 for a data descriptor, 4.5 for zip64. */
const VERSION_DATA_DESCRIPTOR = 20;
const VERSION_ZIP64 = 45;
/** §4.4.2.2: upper byte 3 = UNIX, so that the external attributes carry a Unix mode. */
const MADE_BY_UNIX = 3 << 8;
/** §4.4.4: bit 3, sizes and CRC in the data descriptor; bit 11, the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800;
/** §4.4.5: 0 = stored. */
const METHOD_STORED = 0;
/**
 * §4.4.15: the upper 16 bits hold the Unix mode (regular file, 0644); the low byte holds the DOS attributes, all
 * clear: no read-only bit, because Outlook cannot open a read-only PST.
 */
const EXTERNAL_ATTRIBUTES = ((0o100000 | 0o644) << 16) >>> 0;

/** What the central directory keeps of a written entry. */
export interface ZipEntryRecord {
  /** The name, UTF-8 encoded. */
  readonly name: Buffer;
  /** MS-DOS time and date (§4.4.6), from `dosDateTime`. */
  readonly dosTime: number;
  readonly dosDate: number;
  /** Whether the local header carries a zip64 extra field, and so the data descriptor has 8-byte sizes. */
  readonly zip64: boolean;
  /** Offset of the local file header from the start of the archive. */
  readonly offset: number;
  /** Data size (stored: compressed = uncompressed). */
  size: number;
  crc: number;
}

/**
 * §4.4.6: MS-DOS time and date in local time, as ZIP tools read them. Dates before 1980 are written as
 * 1980-01-01 00:00:00 and dates after 2107 as 2107-12-31 23:59:58, the range the format can hold.
 */
export function dosDateTime(date: Date): { dosTime: number; dosDate: number } {
  let d = date;
  if (d.getFullYear() < 1980) d = new Date(1980, 0, 1, 0, 0, 0);
  else if (d.getFullYear() > 2107) d = new Date(2107, 11, 31, 23, 59, 58);
  const dosTime = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1);
  const dosDate = ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  return { dosTime, dosDate };
}

/** Whether an entry of `size` bytes needs 8-byte sizes (§4.3.9.2). */
export function entryNeedsZip64(size: number, forceZip64: boolean): boolean {
  return forceZip64 || size >= ZIP32_MAX;
}

/**
 * §4.3.7 local file header. With bit 3 set, the CRC and both sizes are zero here (§4.4.4); a zip64 entry has both
 * sizes at 0xFFFFFFFF and a zip64 extended information field holding both (zero) sizes (§4.5.3: the local header's
 * field MUST include both).
 */
export function localFileHeader(entry: ZipEntryRecord): Buffer {
  const extraLength = entry.zip64 ? 4 + 16 : 0;
  const b = Buffer.alloc(30 + entry.name.length + extraLength);
  b.writeUInt32LE(LOCAL_FILE_HEADER_SIGNATURE, 0);
  b.writeUInt16LE(entry.zip64 ? VERSION_ZIP64 : VERSION_DATA_DESCRIPTOR, 4);
  b.writeUInt16LE(FLAGS, 6);
  b.writeUInt16LE(METHOD_STORED, 8);
  b.writeUInt16LE(entry.dosTime, 10);
  b.writeUInt16LE(entry.dosDate, 12);
  // 14: CRC-32 = 0 (in the data descriptor)
  const sizeField = entry.zip64 ? ZIP32_MAX : 0;
  b.writeUInt32LE(sizeField, 18);
  b.writeUInt32LE(sizeField, 22);
  b.writeUInt16LE(entry.name.length, 26);
  b.writeUInt16LE(extraLength, 28);
  entry.name.copy(b, 30);
  if (entry.zip64) {
    const at = 30 + entry.name.length;
    b.writeUInt16LE(ZIP64_EXTRA_ID, at);
    b.writeUInt16LE(16, at + 2);
    // original and compressed size: 0, in the data descriptor
  }
  return b;
}

/** §4.3.9 data descriptor, with its optional signature (§4.3.9.3); 8-byte sizes for a zip64 entry (§4.3.9.2). */
export function dataDescriptor(entry: ZipEntryRecord): Buffer {
  if (entry.zip64) {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(DATA_DESCRIPTOR_SIGNATURE, 0);
    b.writeUInt32LE(entry.crc, 4);
    b.writeBigUInt64LE(BigInt(entry.size), 8);
    b.writeBigUInt64LE(BigInt(entry.size), 16);
    return b;
  }
  const b = Buffer.alloc(16);
  b.writeUInt32LE(DATA_DESCRIPTOR_SIGNATURE, 0);
  b.writeUInt32LE(entry.crc, 4);
  b.writeUInt32LE(entry.size, 8);
  b.writeUInt32LE(entry.size, 12);
  return b;
}

/**
 * §4.3.12 central directory file header. A size or offset that does not fit 32 bits (or every one, with
 * `forceZip64`) is written as 0xFFFFFFFF and given in a zip64 extended information field, in the fixed order of
 * §4.5.3: original size, compressed size, local header offset.
 */
export function centralFileHeader(entry: ZipEntryRecord, forceZip64: boolean): Buffer {
  const bigSize = forceZip64 || entry.size >= ZIP32_MAX;
  const bigOffset = forceZip64 || entry.offset >= ZIP32_MAX;
  const extraData = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
  const extraLength = extraData > 0 ? 4 + extraData : 0;
  const zip64 = extraLength > 0 || entry.zip64;
  const version = zip64 ? VERSION_ZIP64 : VERSION_DATA_DESCRIPTOR;
  const b = Buffer.alloc(46 + entry.name.length + extraLength);
  b.writeUInt32LE(CENTRAL_FILE_HEADER_SIGNATURE, 0);
  b.writeUInt16LE(MADE_BY_UNIX | version, 4);
  b.writeUInt16LE(version, 6);
  b.writeUInt16LE(FLAGS, 8);
  b.writeUInt16LE(METHOD_STORED, 10);
  b.writeUInt16LE(entry.dosTime, 12);
  b.writeUInt16LE(entry.dosDate, 14);
  b.writeUInt32LE(entry.crc, 16);
  b.writeUInt32LE(bigSize ? ZIP32_MAX : entry.size, 20);
  b.writeUInt32LE(bigSize ? ZIP32_MAX : entry.size, 24);
  b.writeUInt16LE(entry.name.length, 28);
  b.writeUInt16LE(extraLength, 30);
  // 32: comment length 0; 34: disk number start 0; 36: internal attributes 0 (binary)
  b.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
  b.writeUInt32LE(bigOffset ? ZIP32_MAX : entry.offset, 42);
  entry.name.copy(b, 46);
  let at = 46 + entry.name.length;
  if (extraLength > 0) {
    b.writeUInt16LE(ZIP64_EXTRA_ID, at);
    b.writeUInt16LE(extraData, at + 2);
    at += 4;
    if (bigSize) {
      b.writeBigUInt64LE(BigInt(entry.size), at);
      b.writeBigUInt64LE(BigInt(entry.size), at + 8);
      at += 16;
    }
    if (bigOffset) b.writeBigUInt64LE(BigInt(entry.offset), at);
  }
  return b;
}

/**
 * The records after the central directory: the §4.3.16 end of central directory record, preceded by the §4.3.14
 * zip64 end of central directory record and the §4.3.15 zip64 locator when a count, size or offset does not fit its
 * field (§4.4.1.4: such a field is then set to all ones), or always with `forceZip64`.
 */
export function endOfCentralDirectory(
  entries: number,
  directoryOffset: number,
  directorySize: number,
  forceZip64: boolean,
): Buffer {
  const bigCount = forceZip64 || entries >= ZIP16_MAX;
  const bigSize = forceZip64 || directorySize >= ZIP32_MAX;
  const bigOffset = forceZip64 || directoryOffset >= ZIP32_MAX;
  const zip64 = bigCount || bigSize || bigOffset;
  const b = Buffer.alloc((zip64 ? 56 + 20 : 0) + 22);
  let at = 0;
  if (zip64) {
    b.writeUInt32LE(ZIP64_END_SIGNATURE, 0);
    b.writeBigUInt64LE(44n, 4); // size of the rest of this record (§4.3.14.1)
    b.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
    b.writeUInt16LE(VERSION_ZIP64, 14);
    // 16: number of this disk 0; 20: disk of the central directory 0
    b.writeBigUInt64LE(BigInt(entries), 24);
    b.writeBigUInt64LE(BigInt(entries), 32);
    b.writeBigUInt64LE(BigInt(directorySize), 40);
    b.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const endOffset = directoryOffset + directorySize;
    b.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, 56);
    // 60: disk of the zip64 end record 0
    b.writeBigUInt64LE(BigInt(endOffset), 64);
    b.writeUInt32LE(1, 72); // total number of disks
    at = 76;
  }
  b.writeUInt32LE(END_SIGNATURE, at);
  // at+4: number of this disk 0; at+6: disk of the central directory 0
  b.writeUInt16LE(bigCount ? ZIP16_MAX : entries, at + 8);
  b.writeUInt16LE(bigCount ? ZIP16_MAX : entries, at + 10);
  b.writeUInt32LE(bigSize ? ZIP32_MAX : directorySize, at + 12);
  b.writeUInt32LE(bigOffset ? ZIP32_MAX : directoryOffset, at + 16);
  // at+20: comment length 0
  return b;
}
