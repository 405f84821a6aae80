import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CheckReport, checkPst } from '../../src/check/index.js';
import { PERMUTE_DECODE } from '../../src/check/permute.js';
import { requireReaders, runFsck } from '../support/oracles.js';
import { bbtEntries, fixBlockCrc, fixHeaderCrcs, fixPageCrc, u64 } from './damage.js';

const REF = '/work/shared/reference';
const EMPTY = join(REF, 'outlook-empty.pst');
const SAMPLES = join(REF, 'samples');

const codes = (r: CheckReport): string[] => Object.keys(r.stats.countsByCode).sort();
const errorCodes = (r: CheckReport): string[] => [...new Set(r.errors.map((e) => e.code))].sort();

/** Damages the file in place, or returns a damaged copy of it (a shorter one). */
type Mutate = ((f: Buffer) => void) | ((f: Buffer) => Buffer);

async function withDamaged(mutate: Mutate, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pst-check-'));
  try {
    const f = await readFile(EMPTY);
    const out = mutate(f) ?? f;
    const p = join(dir, 'damaged.pst');
    await writeFile(p, out);
    await fn(p);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('PERMUTE_DECODE is a permutation (inverse of the spec encode table)', () => {
  assert.equal(new Set(PERMUTE_DECODE).size, 256);
  // mpbbCrypt[0] == 0x41: encoding 0 gives 0x41, so decoding 0x41 gives 0
  assert.equal(PERMUTE_DECODE[0x41], 0);
});

test('outlook-empty.pst is clean, also in strict mode, with the stats Outlook wrote', async () => {
  const r = await checkPst(EMPTY, { strict: true });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.ok, true);
  assert.equal(r.complete, true);
  assert.equal(r.stats.fileSize, 271360);
  assert.equal(r.stats.amapPages, 1);
  assert.equal(r.stats.headerAMapFree, 0x3ad40);
  assert.equal(r.stats.computedAMapFree, 0x3ad40);
  assert.equal(r.stats.nodes, 47);
  // 32 heap nodes (PC/TC) with data, sharing 22 distinct data blocks: each heap is checked once
  assert.equal(r.stats.heapsChecked, 22);
  // Outlook: every block referenced once has cRef 2; shared template blocks more
  assert.ok(
    Object.keys(r.stats.crefVsRefs).every((k) => {
      const [c, n] = k.split(':').map(Number);
      return c === n! + 1;
    }),
  );
});

/**
 * Verdicts on the reference samples: which are clean, and the codes of everything found.
 * (Outlook and third-party files commonly carry DList/leak oddities, reported as warnings.)
 */
const SAMPLE_VERDICTS: Record<string, { ok: boolean; complete?: boolean; codes: string[]; ndbOk?: boolean }> = {
  'aspose_AddingBulkMessagesWithImprovedPerformance.pst': {
    ok: false,
    codes: [
      'amap.leak',
      'block.missing',
      'btree.key-order',
      'dlist.bid',
      'dlist.page',
      'header.amap-valid',
      'header.crc-full',
      'header.crc-partial',
      'page.bid',
      'page.bounds',
      'page.crc',
      'page.sig',
    ],
  },
  'aspose_Outlook.pst': { ok: true, codes: ['amap.leak'] },
  'aspose_Outlook_1.pst': { ok: true, codes: ['amap.leak'] },
  'aspose_PersonalStorage.pst': { ok: true, codes: ['dlist.bid', 'dlist.page'] },
  'aspose_PersonalStorageFile.ost': { ok: true, codes: ['dlist.bid', 'dlist.page'] },
  'aspose_PersonalStorage_New.pst': { ok: true, codes: ['dlist.bid', 'dlist.page'] },
  'aspose_SampleContacts.pst': { ok: true, codes: ['dlist.bid', 'dlist.page'] },
  'aspose_SampleOstFile.ost': { ok: true, codes: ['block.unreferenced'] },
  // Aspose wrote 12 message PCs with a zeroed BTH record (id 0, type 0x0000: the shape of issue 12), recipient
  // tables with a PtypInteger32 column of cbData 8, and a folder whose PidTagSubfolders is false above 2 subfolders
  'aspose_Test_part1.pst': {
    ok: false,
    ndbOk: true,
    codes: ['dlist.bid', 'dlist.page', 'folder.subfolders', 'pc.key-order', 'pc.type', 'tc.column'],
  },
  'aspose_passwordprotectedPST.pst': { ok: true, codes: ['dlist.bid'] },
  'aspose_source.pst': { ok: true, codes: ['amap.leak', 'dlist.bid'] },
  'gopst_32-bit.pst': { ok: false, complete: false, codes: ['header.format'] },
  // cbAMapFree 1002752 in the header, 96448 by the AMap bits: an error here, a warning in pst_fsck.py
  'gopst_support.pst': { ok: false, codes: ['amap.free-mismatch', 'dlist.bid'] },
  'javalibpst_dist-list.pst': { ok: true, codes: ['amap.leak', 'block.unreferenced'] },
  'javalibpst_passworded.pst': { ok: true, codes: ['amap.leak', 'dlist.missing'] },
  'outlookpstrs_Empty.pst': { ok: true, codes: [] },
  'pstsdk_sample1.pst': { ok: true, codes: [] },
  'pstsdk_sample2.pst': { ok: false, complete: false, codes: ['header.format'] },
  'pstsdk_submessage.pst': { ok: true, codes: [] },
  'pstsdk_test_ansi.pst': { ok: false, complete: false, codes: ['header.format'] },
  'pstsdk_test_unicode.pst': { ok: true, codes: ['amap.leak', 'dlist.missing'] },
  // Outlook set the reserved bit 0 on two XBLOCK entries
  'tika_testPST.pst': { ok: true, codes: ['bid.reserved-bit'] },
  'tika_testPST_variousBodyTypes.pst': { ok: true, codes: [] },
};

test('reference samples: verdict and finding codes', async () => {
  for (const [name, want] of Object.entries(SAMPLE_VERDICTS)) {
    const r = await checkPst(join(SAMPLES, name));
    assert.equal(r.ok, want.ok, `${name}: ok ${r.ok}, errors ${r.errors.map((e) => e.message).join('; ')}`);
    assert.equal(r.complete, want.complete ?? true, name);
    assert.deepEqual(codes(r), want.codes, name);
  }
});

test('strict mode turns writer-quality warnings into errors', async () => {
  const lax = await checkPst(join(SAMPLES, 'pstsdk_test_unicode.pst'));
  const strict = await checkPst(join(SAMPLES, 'pstsdk_test_unicode.pst'), { strict: true });
  assert.equal(lax.ok, true);
  assert.equal(strict.ok, false);
  // strict also holds PidTagMessageSize to the block bytes, as our writer stores it; Outlook counts its own way
  assert.deepEqual(errorCodes(strict), ['amap.leak', 'dlist.missing', 'message.size']);
});

test('verdicts agree with pst_fsck.py on every Unicode sample (except the cbAMapFree severity and what it does not check: PCs, TCs, folders)', async (t) => {
  if (!(await requireReaders(t, 'fsck'))) return;
  for (const [name, want] of Object.entries(SAMPLE_VERDICTS)) {
    const py = await runFsck(join(SAMPLES, name));
    if (want.complete === false) {
      assert.equal(py.exit, 2, name);
      continue;
    }
    const expectPyOk = name === 'gopst_support.pst' ? true : (want.ndbOk ?? want.ok);
    assert.equal(py.exit === 0, expectPyOk, `${name}: pst_fsck exit ${py.exit}: ${py.errors.join('; ')}`);
  }
});

interface DamageCase {
  name: string;
  mutate: Mutate;
  /** Codes that must all be among the errors. */
  expect: string[];
  /** When set, the errors must be exactly these codes. */
  exact?: boolean;
  /** pst_fsck.py does not check this structure (it ignores PMap/FMap/FPMap pages). */
  fsckBlind?: boolean;
}

const DAMAGE: DamageCase[] = [
  {
    name: 'header byte (rgnid)',
    mutate: (f) => {
      f[100]! ^= 0xff;
    },
    expect: ['header.crc-full', 'header.crc-partial'],
    exact: true,
  },
  {
    name: 'header byte after the partial CRC range (bidNextB)',
    mutate: (f) => {
      f[520]! ^= 0x01;
    },
    expect: ['header.crc-full'],
    exact: true,
  },
  {
    name: 'NBT root page body',
    mutate: (f) => {
      f[u64(f, 224) + 100]! ^= 0xff;
    },
    expect: ['page.crc'],
  },
  {
    name: 'BBT root page ptype',
    mutate: (f) => {
      f[u64(f, 240) + 496]! ^= 0x01;
    },
    expect: ['page.ptype'],
  },
  {
    name: 'BBT page signature (CRC kept valid)',
    mutate: (f) => {
      const ib = u64(f, 240);
      f.writeUInt16LE(f.readUInt16LE(ib + 498) ^ 0x5555, ib + 498);
    },
    expect: ['page.sig'],
    exact: true,
  },
  {
    name: 'data block byte',
    mutate: (f) => {
      const b = bbtEntries(f).find((e) => e.bid % 4 === 0 && e.cb > 100)!;
      f[b.ib + 50]! ^= 0xff;
    },
    // the block is a TC heap: the flipped byte lands in a column descriptor of its TCINFO
    expect: ['block.crc', 'tc.column'],
    exact: true,
  },
  {
    name: 'BBT cRef lowered to 1 (page CRC fixed)',
    mutate: (f) => {
      const b = bbtEntries(f).find((e) => e.cRef === 2)!;
      f.writeUInt16LE(1, b.entryOffset + 18);
      fixPageCrc(f, b.pageIb);
    },
    expect: ['block.cref'],
    exact: true,
  },
  {
    name: 'heap signature (block CRC fixed)',
    mutate: (f) => {
      // node 0x122's data: the root folder PC; its first block starts with HNHDR, bSig at +2 (stored permuted)
      const nbt = u64(f, 224);
      const findNode = (ib: number): number | undefined => {
        const cEnt = f[ib + 488]!;
        const level = f[ib + 491]!;
        for (let i = 0; i < cEnt; i++) {
          const e = ib + i * f[ib + 490]!;
          if (level > 0) {
            const r = findNode(u64(f, e + 16));
            if (r !== undefined) return r;
          } else if (f.readUInt32LE(e) === 0x122) return u64(f, e + 8);
        }
        return undefined;
      };
      const bid = findNode(nbt)!;
      const b = bbtEntries(f).find((e) => e.bid === bid)!;
      assert.equal(PERMUTE_DECODE[f[b.ib + 2]!], 0xec);
      f[b.ib + 2]! ^= 0x01;
      fixBlockCrc(f, b);
    },
    expect: ['heap.signature'],
    exact: true,
  },
  {
    name: 'AMap bits byte',
    mutate: (f) => {
      f[0x4400 + 40]! ^= 0x0f;
    },
    expect: ['page.crc'],
  },
  {
    name: 'AMap bit of a used block cleared (AMap CRC, cbAMapFree and header CRCs fixed)',
    mutate: (f) => {
      const b = bbtEntries(f)[0]!;
      const slot = (b.ib - 0x4400) / 64;
      f[0x4400 + (slot >> 3)]! &= ~(0x80 >> (slot % 8));
      fixPageCrc(f, 0x4400);
      f.writeUInt32LE(f.readUInt32LE(200) + 64, 200);
      fixHeaderCrcs(f);
    },
    expect: ['amap.not-allocated'],
    exact: true,
  },
  {
    name: 'cbAMapFree changed (header CRCs fixed)',
    mutate: (f) => {
      f.writeUInt32LE(f.readUInt32LE(200) - 64, 200);
      fixHeaderCrcs(f);
    },
    expect: ['amap.free-mismatch'],
    exact: true,
  },
  {
    name: 'PMap page trailer',
    mutate: (f) => {
      f[0x4600 + 496]! = 0;
    },
    expect: ['page.ptype'],
    exact: true,
    fsckBlind: true,
  },
  {
    name: 'PMap page bits (CRC no longer matches)',
    mutate: (f) => {
      f[0x4600 + 7]! ^= 0x01;
    },
    expect: ['page.crc'],
    exact: true,
    fsckBlind: true,
  },
  {
    name: 'bidNextB too low (header CRCs fixed)',
    mutate: (f) => {
      f.writeUInt32LE(4, 516);
      f.writeUInt32LE(0, 520);
      fixHeaderCrcs(f);
    },
    expect: ['header.bid-next-b'],
    exact: true,
  },
  {
    name: 'truncated to half',
    mutate: (f) => f.subarray(0, Math.floor(f.length / 2 / 512) * 512),
    expect: ['header.file-eof'],
  },
  { name: 'truncated inside the header', mutate: (f) => f.subarray(0, 300), expect: ['header.truncated'], exact: true },
];

for (const c of DAMAGE) {
  test(`damaged copy of outlook-empty.pst is detected: ${c.name}`, async (t) => {
    await withDamaged(c.mutate, async (p) => {
      const r = await checkPst(p);
      assert.equal(r.ok, false);
      const got = errorCodes(r);
      for (const code of c.expect) assert.ok(got.includes(code), `expected ${code} among ${got.join(', ')}`);
      if (c.exact) assert.deepEqual(got, [...c.expect].sort());
      for (const e of r.errors) {
        assert.ok(e.message.length > 10 && e.structure.length > 0, `finding names its structure: ${JSON.stringify(e)}`);
      }
      if (await requireReaders(t, 'fsck')) {
        const py = await runFsck(p);
        // pst_fsck.py reports cbAMapFree as a warning only and ignores PMap pages; every other damage is an error there too
        if (c.expect.includes('amap.free-mismatch') || c.fsckBlind) assert.equal(py.exit, 0);
        else assert.notEqual(py.exit, 0, `pst_fsck.py missed it: ${JSON.stringify(py.errors)}`);
      }
    });
  });
}

test('map page slots sit at the documented offsets', async () => {
  const { amapOffset, hasFMap, hasFPMap, hasPMap } = await import('../../src/check/layout.js');
  assert.equal(amapOffset(0) + 512, 0x4600);
  assert.ok(hasPMap(0) && hasPMap(8) && !hasPMap(7));
  assert.ok(hasFMap(128) && hasFMap(624) && !hasFMap(0) && !hasFMap(129));
  assert.equal(amapOffset(128) + 1024, 0x1f04800);
  assert.equal(amapOffset(624) + 1024, 0x9724800);
  assert.ok(hasFPMap(8192) && hasFPMap(8192 + 31744) && !hasFPMap(0));
  assert.equal(amapOffset(8192) + 1024, 0x7c004800);
  // FMap and FPMap never share a region (128 vs 256 mod 496)
  for (let k = 0; k < 200_000; k += 1) assert.ok(!(hasFMap(k) && hasFPMap(k)));
});
