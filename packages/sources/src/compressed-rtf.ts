/**
 * Decompresses PidTagRtfCompressed ([MS-OXRTFCP] §2.2: a 16-byte header — compressed size, raw size, COMPTYPE
 * "LZFu" or "MELA", CRC — then, for LZFu, runs of eight literal bytes or 2-byte dictionary references, each run
 * led by a control byte read from its lowest bit up; §2.1.3.1 the 4096-byte dictionary, preloaded with a fixed
 * 207-byte RTF prefix).
 *
 * The RTF comes back as 8-bit text (one character per byte, as the record model holds RTF): pst-extractor decodes
 * the bytes as UTF-8, which turns every byte above 0x7F (font names in GBK, accented text in code page 1252) into
 * U+FFFD.
 */

const COMPTYPE_LZFU = 0x75465a4c;
const COMPTYPE_MELA = 0x414c454d;
const HEADER_BYTES = 16;
const DICTIONARY_BYTES = 4096;
const PRELOAD =
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx';

/** The RTF text of a PidTagRtfCompressed value; throws on a value that is not one. */
export function decompressRtf(data: Uint8Array): string {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < HEADER_BYTES) throw new Error(`compressed RTF of ${b.length} bytes is shorter than its header`);
  const rawSize = b.readUInt32LE(4);
  const type = b.readUInt32LE(8);
  if (type === COMPTYPE_MELA) return b.toString('latin1', HEADER_BYTES, Math.min(b.length, HEADER_BYTES + rawSize));
  if (type !== COMPTYPE_LZFU) throw new Error(`compressed RTF of unknown type 0x${type.toString(16)}`);
  const dictionary = Buffer.alloc(DICTIONARY_BYTES);
  dictionary.write(PRELOAD, 'latin1');
  let write = PRELOAD.length;
  const out = Buffer.alloc(rawSize);
  let produced = 0;
  let at = HEADER_BYTES;
  const put = (byte: number): void => {
    if (produced < rawSize) out[produced] = byte;
    produced++;
    dictionary[write] = byte;
    write = (write + 1) % DICTIONARY_BYTES;
  };
  while (at < b.length && produced < rawSize) {
    const control = b[at++]!;
    for (let bit = 0; bit < 8 && at < b.length; bit++) {
      if ((control & (1 << bit)) === 0) {
        put(b[at++]!);
        continue;
      }
      if (at + 2 > b.length) throw new Error('compressed RTF ends inside a dictionary reference');
      const reference = b.readUInt16BE(at);
      at += 2;
      const offset = reference >> 4;
      // A reference to the write position ends the data.
      if (offset === write) return out.toString('latin1', 0, Math.min(produced, rawSize));
      const length = (reference & 0x0f) + 2;
      for (let i = 0; i < length; i++) put(dictionary[(offset + i) % DICTIONARY_BYTES]!);
    }
  }
  return out.toString('latin1', 0, Math.min(produced, rawSize));
}
