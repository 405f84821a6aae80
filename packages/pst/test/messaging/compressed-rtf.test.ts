/**
 * PidTagRtfCompressed in the LZFu form ([MS-OXRTFCP] §2.1.3.1): decoded by pst-extractor's LZFu decoder, a reader
 * nobody on this team wrote, at every length around a run of eight tokens and across the 4 KiB dictionary's wrap.
 */

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { pstCrc } from '../../src/encode/crc.js';
import { compressedRtf, compressedRtfSize } from '../../src/messaging/compressed-rtf.js';

const require = createRequire(import.meta.url);
const { LZFu } = require('pst-extractor/dist/LZFu.class.js') as { LZFu: { decode(data: Buffer): string } };

function rtfOf(length: number): string {
  const text = "{\\rtf1\\ansi\\ansicpg1252 Caf\\'e9 \\par }\r\n";
  return text.repeat(Math.ceil(length / text.length)).slice(0, length);
}

test('LZFu values decode to the RTF text at every length around a run and past the dictionary size', () => {
  const lengths = [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 4096 - 207, 4096 - 206, 4096, 5000, 20000];
  for (const n of lengths) {
    const rtf = rtfOf(n);
    const bytes = compressedRtf(rtf);
    assert.equal(bytes.length, compressedRtfSize(n), `size at ${n}`);
    const view = new DataView(bytes.buffer);
    assert.equal(view.getUint32(0, true), bytes.length - 4, `COMPSIZE at ${n}`);
    assert.equal(view.getUint32(4, true), n, `RAWSIZE at ${n}`);
    assert.equal(view.getUint32(8, true), 0x75465a4c, `COMPTYPE at ${n}`);
    assert.equal(view.getUint32(12, true), pstCrc(bytes.subarray(16)), `CRC at ${n}`);
    // pst-extractor trims the decoded text, and throws unless it decodes exactly RAWSIZE bytes.
    assert.equal(LZFu.decode(Buffer.from(bytes)), rtf.trim(), `decoded at ${n}`);
  }
});

test('characters outside 8 bits are stored as "?"', () => {
  assert.equal(LZFu.decode(Buffer.from(compressedRtf('{\\rtf1 Ω\u{1F600}x}'))), '{\\rtf1 ???x}');
});

test('NULs are kept: the raw bytes after \\binN (a picture) stay whole', () => {
  const rtf = '{\\rtf1{\\pict\\pngblip\\bin6 \0\x01\0\0\x02\0}}';
  const bytes = compressedRtf(rtf);
  assert.equal(new DataView(bytes.buffer).getUint32(4, true), rtf.length, 'RAWSIZE counts every byte');
  assert.equal(LZFu.decode(Buffer.from(bytes)), rtf);
});
