/**
 * A small ZIP reader for `pstream check`: reads the central directory (zip64 aware) and extracts
 * stored or deflated entries to files, streaming, with their CRC-32 and size verified.
 * APPNOTE.TXT 6.3: §4.3.7 local file header, §4.3.12 central directory header, §4.3.14–16 (zip64) end
 * of central directory, §4.5.3 zip64 extended information extra field.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import { CliError } from './errors.js';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_COMMENT = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/** A malformed or unsupported ZIP file (code `bad-zip`). */
export class ZipFormatError extends CliError {
  override name = 'ZipFormatError';
  declare readonly code: 'bad-zip';

  constructor(message: string, options?: ErrorOptions) {
    super('bad-zip', message, options);
  }
}

/** One entry of the central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length)
    throw new ZipFormatError(`unexpected end of file reading ${length} bytes at offset ${position}`);
  return buffer;
}

function readUint64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ZipFormatError(`64-bit value too large at offset ${offset}: ${value}`);
  return Number(value);
}

/** Reads the central directory of the ZIP file at `path`. */
export async function readZipEntries(path: string): Promise<ZipEntry[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < EOCD_SIZE) throw new ZipFormatError(`too small for a ZIP file: ${size} bytes`);
    const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tailStart = size - tailLength;
    const tail = await readAt(handle, tailStart, tailLength);
    let eocd = -1;
    for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipFormatError('no end of central directory record');
    let count = tail.readUInt16LE(eocd + 10); // total number of entries in the central directory
    let directorySize = tail.readUInt32LE(eocd + 12); // size of the central directory
    let directoryOffset = tail.readUInt32LE(eocd + 16); // offset of start of central directory
    if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      const locatorAt = tailStart + eocd - ZIP64_LOCATOR_SIZE;
      if (locatorAt < 0) throw new ZipFormatError('zip64 end of central directory locator missing');
      const locator = await readAt(handle, locatorAt, ZIP64_LOCATOR_SIZE);
      if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE)
        throw new ZipFormatError('zip64 end of central directory locator missing');
      const zip64At = readUint64(locator, 8);
      const zip64 = await readAt(handle, zip64At, 56);
      if (zip64.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE)
        throw new ZipFormatError(`no zip64 end of central directory record at offset ${zip64At}`);
      count = readUint64(zip64, 32);
      directorySize = readUint64(zip64, 40);
      directoryOffset = readUint64(zip64, 48);
    }
    if (directoryOffset + directorySize > size)
      throw new ZipFormatError(
        `central directory (offset ${directoryOffset}, ${directorySize} bytes) beyond the end of the file`,
      );
    const directory = await readAt(handle, directoryOffset, directorySize);
    const entries: ZipEntry[] = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + CENTRAL_HEADER_SIZE > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) {
        throw new ZipFormatError(`central directory entry ${i + 1} of ${count} is malformed`);
      }
      const flags = directory.readUInt16LE(at + 8);
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const nameEnd = at + CENTRAL_HEADER_SIZE + nameLength;
      const name = directory.toString(flags & 0x0800 ? 'utf8' : 'latin1', at + CENTRAL_HEADER_SIZE, nameEnd);
      let uncompressedSize = directory.readUInt32LE(at + 24);
      let compressedSize = directory.readUInt32LE(at + 20);
      let localHeaderOffset = directory.readUInt32LE(at + 42);
      // zip64 extended information: only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
      for (let x = nameEnd; x + 4 <= nameEnd + extraLength; ) {
        const id = directory.readUInt16LE(x);
        const length = directory.readUInt16LE(x + 2);
        if (id === ZIP64_EXTRA_ID) {
          let field = x + 4;
          if (uncompressedSize === 0xffffffff) {
            uncompressedSize = readUint64(directory, field);
            field += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = readUint64(directory, field);
            field += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = readUint64(directory, field);
        }
        x += 4 + length;
      }
      entries.push({
        name,
        method: directory.readUInt16LE(at + 10),
        crc32: directory.readUInt32LE(at + 16),
        compressedSize,
        uncompressedSize,
        localHeaderOffset,
        encrypted: (flags & 0x0001) !== 0,
      });
      at = nameEnd + extraLength + commentLength;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** Extracts `entry` of the ZIP file at `zipPath` to `destination`, checking its size and CRC-32. */
export async function extractZipEntry(zipPath: string, entry: ZipEntry, destination: string): Promise<void> {
  if (entry.encrypted) throw new ZipFormatError(`entry "${entry.name}" is encrypted`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new ZipFormatError(
      `entry "${entry.name}" uses compression method ${entry.method} (only stored and deflate are read)`,
    );
  }
  const handle = await open(zipPath, 'r');
  let dataStart: number;
  try {
    const local = await readAt(handle, entry.localHeaderOffset, LOCAL_HEADER_SIZE);
    if (local.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
      throw new ZipFormatError(`entry "${entry.name}": no local file header at offset ${entry.localHeaderOffset}`);
    }
    dataStart = entry.localHeaderOffset + LOCAL_HEADER_SIZE + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await handle.close();
  }
  let crc = 0;
  let size = 0;
  const verifier = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const input =
    entry.compressedSize === 0
      ? [] // createReadStream cannot express an empty range
      : [createReadStream(zipPath, { start: dataStart, end: dataStart + entry.compressedSize - 1 })];
  const stages = entry.method === METHOD_DEFLATED ? [createInflateRaw()] : [];
  if (input.length === 0) {
    await pipeline(async function* () {}, verifier, createWriteStream(destination));
  } else {
    await pipeline([input[0]!, ...stages, verifier, createWriteStream(destination)]);
  }
  if (size !== entry.uncompressedSize)
    throw new ZipFormatError(
      `entry "${entry.name}": ${size} bytes extracted, the directory says ${entry.uncompressedSize}`,
    );
  if (crc >>> 0 !== entry.crc32) throw new ZipFormatError(`entry "${entry.name}": CRC-32 mismatch`);
}
