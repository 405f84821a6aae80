/**
 * `decompressRtf` on every PidTagRtfCompressed of the sample PSTs, against pst-extractor's decompression of the
 * same bytes. The two differ in two ways only, both pst-extractor's: it preloads the dictionary with LF CR where
 * [MS-OXRTFCP] §2.1.3.1 has CR LF (so text copied from there reads "\n\r"; line breaks are left out of the
 * comparison), and it decodes the bytes as UTF-8 (a byte above 0x7F becomes U+FFFD), where the RTF is 8-bit text.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';
import { decompressRtf } from '../src/compressed-rtf.js';
import { type PstObjectInternals, valueBytes } from '../src/pst-properties.js';

/** The sample PSTs (see shared/reference/samples/SOURCES.md), where pst.test.ts reads them too. */
const SAMPLES = process.env.PSTREAM_SAMPLES_DIR ?? '/work/shared/reference/samples';

const FILES = [
  'aspose_Test_part1.pst',
  'aspose_passwordprotectedPST.pst',
  'aspose_SampleOstFile.ost',
  'tika_testPST_variousBodyTypes.pst',
];

function* items(folder: PSTFolder): Generator<PSTMessage> {
  if (folder.contentCount > 0)
    for (let m = folder.getNextChild() as PSTMessage | null; m; m = folder.getNextChild() as PSTMessage | null) yield m;
  let subs: PSTFolder[] = [];
  try {
    subs = folder.hasSubfolders || folder.subFolderCount > 0 ? folder.getSubFolders() : [];
  } catch {
    // a search folder without a hierarchy table
  }
  for (const sub of subs) yield* items(sub);
}

/** The text without its line breaks (the dictionary's line break reads LF CR in pst-extractor), trimmed as it trims. */
const lines = (s: string): string => s.replace(/[\r\n]/g, '').trim();

test('decompressRtf reads every compressed RTF of the samples as pst-extractor does, but for its two faults', async (t) => {
  if (!existsSync(join(SAMPLES, FILES[0]!))) {
    if (process.env.CI === 'true') throw new Error(`sample PSTs not found in ${SAMPLES}: set PSTREAM_SAMPLES_DIR`);
    t.skip(`sample PSTs not found in ${SAMPLES}`);
    return;
  }
  let ascii = 0;
  let eightBit = 0;
  for (const file of FILES) {
    const pst = new PSTFile(await readFile(join(SAMPLES, file)));
    for (const m of items(pst.getRootFolder())) {
      const item = (m as unknown as PstObjectInternals).pstTableItems?.get(0x1009);
      const bytes = item === undefined ? undefined : valueBytes(m, item);
      if (bytes === undefined) continue;
      const ours = decompressRtf(bytes).replace(/\0+$/, '');
      const theirs = m.bodyRTF.replace(/\0+$/, '');
      assert.ok(ours.startsWith('{\\rtf'), `${file} "${m.subject}": RTF text`);
      if (/[\x80-\xff]/.test(ours)) {
        eightBit++;
        assert.ok(!ours.includes('\ufffd'), `${file} "${m.subject}": bytes, not replacement characters`);
        // pst-extractor's text is these bytes decoded as UTF-8.
        assert.equal(lines(Buffer.from(ours, 'latin1').toString('utf8')), lines(theirs), `${file} "${m.subject}"`);
      } else {
        ascii++;
        assert.equal(lines(ours), lines(theirs), `${file} "${m.subject}"`);
      }
    }
  }
  assert.ok(ascii >= 50 && eightBit >= 2, `${ascii} ASCII and ${eightBit} 8-bit RTF bodies compared`);
});

test('decompressRtf: an uncompressed (MELA) body is returned as stored; other types and short data are refused', () => {
  const raw = Buffer.from('{\\rtf1 caf\xe9}', 'latin1');
  const header = Buffer.alloc(16);
  header.writeUInt32LE(raw.length + 12, 0);
  header.writeUInt32LE(raw.length, 4);
  header.writeUInt32LE(0x414c454d, 8);
  assert.equal(decompressRtf(Buffer.concat([header, raw])), '{\\rtf1 caf\xe9}');
  header.writeUInt32LE(0x12345678, 8);
  assert.throws(() => decompressRtf(Buffer.concat([header, raw])), /unknown type 0x12345678/);
  assert.throws(() => decompressRtf(Buffer.alloc(8)), /shorter than its header/);
});
