/**
 * PidTagRtfCompressed — [MS-OXRTFCP]: RTF in the compressed form, COMPTYPE "LZFu" (§2.1.3.1), as Outlook stores it.
 *
 * The stream holds literals only: each run is a control byte whose bits are all 0 (eight literals follow) and the
 * stream ends with a dictionary reference to the current write position (§2.2.3.2), so it is an eighth longer than
 * the text. Finding matches would make it smaller; literals keep the writer linear and simple. The CRC covers the
 * bytes after the header (§2.1.3.2) with the PST CRC.
 *
 * Why not the uncompressed form ("MELA", CRC 0, §2.1.3.1.1): libfmapi (Debian's 20180714) checks its CRC all the
 * same, fails, and pffexport then exports neither the message's body nor its attachments.
 */
import { pstCrc } from '../encode/crc.js';
import { putU32 } from '../io/bytes.js';

/** §2.2.2.1: the dictionary is preloaded with 207 bytes of common RTF, and writing continues after them. */
const INITIAL_DICTIONARY_LENGTH = 207;
const DICTIONARY_SIZE = 4096;
/** COMPTYPE "LZFu", little-endian. */
const COMPTYPE_COMPRESSED = 0x75465a4c;
/** COMPSIZE, RAWSIZE, COMPTYPE, CRC. */
const HEADER_SIZE = 16;

/** Bytes of the PidTagRtfCompressed value of an RTF text of `length` characters. */
export function compressedRtfSize(length: number): number {
  // a control byte per eight tokens (the literals and the end reference), the literals, the 2-byte reference
  return HEADER_SIZE + Math.ceil((length + 1) / 8) + length + 2;
}

/**
 * The PidTagRtfCompressed value of `rtf`: 8-bit text (other characters become '?'; valid RTF escapes them). NULs are
 * kept, unlike in string properties: after `\binN` RTF carries N raw bytes (a picture), and dropping any shortens it.
 */
export function compressedRtf(rtf: string): Uint8Array {
  const text = rtf;
  const n = text.length;
  const bytes = new Uint8Array(compressedRtfSize(n));
  let at = HEADER_SIZE;
  for (let start = 0; start < n; start += 8) {
    const count = Math.min(8, n - start);
    // A short last run carries the end reference as its next token: control bit `count` set.
    bytes[at++] = count < 8 ? 1 << count : 0;
    for (let i = start; i < start + count; i++) {
      const c = text.charCodeAt(i);
      bytes[at++] = c < 0x100 ? c : 0x3f;
    }
  }
  if (n % 8 === 0) bytes[at++] = 0x01; // the end reference opens a run of its own
  // The reference: a 12-bit dictionary offset (where the next byte would be written), then a 4-bit length.
  const end = (INITIAL_DICTIONARY_LENGTH + n) % DICTIONARY_SIZE;
  bytes[at++] = end >>> 4;
  bytes[at++] = (end & 0xf) << 4;
  putU32(bytes, 0, bytes.length - 4); // COMPSIZE: the bytes after itself
  putU32(bytes, 4, n); // RAWSIZE
  putU32(bytes, 8, COMPTYPE_COMPRESSED); // COMPTYPE
  putU32(bytes, 12, pstCrc(bytes.subarray(HEADER_SIZE))); // CRC
  return bytes;
}
