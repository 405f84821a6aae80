/**
 * Golden bytes: deterministic files from seeded inputs must keep the SHA-256 they had when the hashes were recorded
 * (first with the writer as of commit b72aac3, before the small-message performance work; sizes and projections are
 * still those). Any change to the bytes the writer produces shows up here; a deliberate format change has to update
 * the hashes and say why. Changed since: the store's PidTagValidFolderMask (0x89, Outlook's value without the
 * common-views folder), the hierarchy map's heap root (a 4-byte HID of its BTH, as in every Outlook-made store), and
 * the NULs of RTF bodies, now kept (RTF carries raw bytes after `\binN`; the generated RTF holds NULs).
 *
 * The inputs cover what the per-message code paths do differently: recipients of every kind (empty, non-ASCII,
 * astral, lone surrogates, NULs, EX addresses), bodies in the heap and in subnodes, HTML, RTF, categories, file
 * attachments (empty, heap-sized, multi-block, inline), embedded messages two levels deep, many folders, a contents
 * table that outgrows one heap allocation, a message with hundreds of recipients and one with dozens of attachments.
 * Projected sizes are recorded too, since projections write clones of heaps and tables.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Attachment,
  type MailAddress,
  type MessageRecord,
  PstWriter,
  type PstWriterOptions,
  type Recipient,
} from '@pstream/pst';
import { loadNativeKernel } from '../../src/encode/native-kernel.js';
import { assertCheckClean, seededAttachment, tempDir, type Written } from './support.js';

/** mulberry32: a small seeded generator, so the inputs never depend on another package's generator. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'alpha',
  'Grüße',
  'naïve',
  '東京',
  'résumé',
  'bravo',
  'charlie',
  'Ωμέγα',
  '😀',
  'delta',
  'echo',
  'x\u0000y',
  'lone\ud800',
  'end\udc00x',
  'quarterly',
  'report',
];

function generator(seed: number) {
  const r = prng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const text = (words: number): string => Array.from({ length: words }, () => pick(WORDS)).join(' ');
  const address = (): MailAddress => {
    const k = int(6);
    if (k === 0) return { address: `only${int(1000)}@example.com` };
    if (k === 1) return { name: text(2) };
    if (k === 2) return { name: text(2), address: `/o=Org/ou=Admin/cn=Recipients/cn=u${int(99)}`, addressType: 'EX' };
    return { name: text(1 + int(3)), address: `${pick(['ann', 'bob', 'zoë', 'chen'])}${int(100)}@example.org` };
  };
  const recipients = (n: number): Recipient[] =>
    Array.from({ length: n }, () => ({ kind: pick(['to', 'to', 'cc', 'bcc'] as const), ...address() }));
  const date = (): Date => new Date(Date.UTC(2023, int(12), 1 + int(28), int(24), int(60), int(60)));
  let attachmentSeed = 1;
  const fileAttachment = (): Attachment => {
    const k = int(5);
    const size = k === 0 ? 0 : k === 1 ? 1 + int(3000) : k === 2 ? 3580 + int(3) : 4000 + int(30_000);
    const inline = int(4) === 0;
    return seededAttachment(
      `${text(1).replaceAll('\0', '')}.${pick(['txt', 'bin', 'png', ''])}`,
      size,
      attachmentSeed++,
      {
        contentType: pick([undefined, 'image/png', 'application/octet-stream']),
        contentId: inline ? `cid${int(1000)}@x` : undefined,
        isInline: inline || undefined,
        lastModified: int(2) ? date() : undefined,
      },
    );
  };
  const message = (depth: number): MessageRecord => {
    const attachments: Attachment[] = [];
    const na = int(8) === 0 ? 1 + int(3) : 0;
    for (let i = 0; i < na; i++) attachments.push(fileAttachment());
    if (depth < 2 && int(12) === 0) attachments.push({ kind: 'message', name: text(2), message: message(depth + 1) });
    const bodyWords = pick([0, 5, 40, 400, 2500]);
    return {
      subject: (int(10) === 0 ? '\u0001\u0001' : '') + text(1 + int(6)),
      messageClass: int(10) === 0 ? 'IPM.Note.Custom' : undefined,
      from: int(8) ? address() : undefined,
      sender: int(5) === 0 ? address() : undefined,
      recipients: int(10) ? recipients(int(5)) : undefined,
      sentAt: int(6) ? date() : undefined,
      receivedAt: int(6) ? date() : undefined,
      createdAt: int(8) === 0 ? date() : undefined,
      modifiedAt: int(8) === 0 ? date() : undefined,
      importance: pick([undefined, 'low', 'normal', 'high'] as const),
      sensitivity: pick([undefined, 'normal', 'personal', 'private', 'confidential'] as const),
      isRead: int(2) === 0,
      isDraft: int(15) === 0,
      internetMessageId: int(3) ? `<${int(1e6)}@example.com>` : undefined,
      inReplyTo: int(4) === 0 ? `<${int(1e6)}@example.com>` : undefined,
      references: int(5) === 0 ? `<${int(1e6)}@a> <${int(1e6)}@b>` : undefined,
      transportHeaders: int(3) === 0 ? `Received: from x\r\nSubject: ${text(3)}\r\n` : undefined,
      categories: int(6) === 0 ? Array.from({ length: 1 + int(3) }, () => text(1)) : undefined,
      body: bodyWords || int(2) ? text(bodyWords) : undefined,
      html: int(3) === 0 ? `<p>${text(pick([3, 300, 1500]))}</p>` : undefined,
      rtf: int(10) === 0 ? `{\\rtf1 ${text(5)}}` : undefined,
      attachments: attachments.length ? attachments : undefined,
    };
  };
  const folders = Array.from({ length: 25 }, (_, i) =>
    i % 5 === 0 ? [text(1)] : [`Top ${i % 3}`, `Sub ${i}`, ...(i % 4 === 0 ? [`Deep ${i}`] : [])],
  );
  return { message, folders, pick, recipients, fileAttachment, int };
}

function mixedItems(seed: number, count: number): Written[] {
  const g = generator(seed);
  const items: Written[] = [];
  for (let i = 0; i < count; i++) items.push({ folder: g.pick(g.folders), record: g.message(0) });
  // One folder whose contents table outgrows a heap allocation and whose row index needs index levels.
  for (let i = 0; i < 700; i++)
    items.push({
      folder: ['Bulk'],
      record: { subject: `bulk ${i}`, body: 'short', isRead: i % 3 === 0, recipients: g.recipients(1) },
    });
  // Big recipient and attachment tables.
  items.push({ folder: ['Big'], record: { subject: 'many recipients', recipients: g.recipients(400) } });
  items.push({
    folder: ['Big'],
    record: { subject: 'many attachments', attachments: Array.from({ length: 40 }, () => g.fileAttachment()) },
  });
  return items;
}

interface Golden {
  readonly projections: number[];
  readonly bytes: number;
  readonly sha256: string;
}

async function writeGolden(
  dir: string,
  name: string,
  items: readonly Written[],
  options: PstWriterOptions,
): Promise<Golden> {
  const w = await PstWriter.create(join(dir, name), options);
  const projections: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i % 97 === 0) {
      projections.push(w.projectedSize());
      projections.push(await w.projectedSizeWith(item.folder, item.record));
    }
    await w.addMessage(item.folder, item.record);
  }
  projections.push(w.projectedSize());
  const summary = await w.finish();
  const bytes = await readFile(summary.path);
  assert.equal(bytes.length, summary.bytes);
  assert.equal(projections.at(-1), summary.bytes, 'the last projection is the file size');
  return { projections, bytes: summary.bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Recorded as the file comment says. */
const EXPECTED: Record<string, { bytes: number; sha256: string; projections: string }> = {
  'mixed-permute': {
    bytes: 8905728,
    sha256: '6ab36b7c4efd07f0809b80fd165076a365219c87981051764615488d1646bae4',
    projections: '09d8e6f727174ed9f038eba075e60d6769e31ce60a326459da035a8c6aa8b278',
  },
  'mixed-none': {
    bytes: 6112256,
    sha256: 'cb44fa428cb03f8e87ee987f1b6f265103d852130875e585e779a1e8dd91dba9',
    projections: '54ba09beb7e2cd77412153ce064097cf7effa24307c52aa67e8bab5931e95f91',
  },
};

for (const [name, seed, count, options] of [
  ['mixed-permute', 1, 500, { deterministic: true }],
  [
    'mixed-none',
    2,
    300,
    { deterministic: { seed: 'golden', clock: new Date('2024-02-29T12:00:00Z') }, encryption: 'none' },
  ],
] as const) {
  test(`golden bytes: ${name}`, async (t) => {
    const dir = await tempDir(t);
    const got = await writeGolden(dir, `${name}.pst`, mixedItems(seed, count), options);
    await assertCheckClean(join(dir, `${name}.pst`));
    const projections = createHash('sha256').update(got.projections.join(',')).digest('hex');
    const want = EXPECTED[name];
    if (!want)
      assert.fail(
        `no golden hash for ${name}: ${JSON.stringify({ bytes: got.bytes, sha256: got.sha256, projections })}`,
      );
    assert.equal(got.bytes, want.bytes, 'file size');
    assert.equal(got.sha256, want.sha256, 'file bytes');
    assert.equal(projections, want.projections, 'projected sizes');
  });
}

// The same files from the other block encoders: the native kernel's AVX2 path, and no native kernel at all (the
// JavaScript encoder, with zlib's CRC). Each runs this file again in a child process, since the kernel is chosen
// once per process.
for (const setting of ['avx2', '0'] as const) {
  const kernel = loadNativeKernel();
  const skip =
    process.env.PSTREAM_NATIVE !== undefined
      ? 'already a child run'
      : !kernel
        ? 'the native kernel is not built: the default run already used the JavaScript encoder'
        : setting === 'avx2' && !kernel.supported.includes('avx2')
          ? 'this CPU has no AVX2'
          : false;
  test(`golden bytes with PSTREAM_NATIVE=${setting}`, { skip }, () => {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, '--test', '--test-reporter=tap', fileURLToPath(import.meta.url)],
      {
        // Without the runner's NODE_TEST_CONTEXT, the child reports in TAP instead of to this runner.
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
          PSTREAM_NATIVE: setting,
        },
        encoding: 'utf8',
      },
    );
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    assert.match(child.stdout, /# pass 2\b/, 'both golden files were written and matched');
  });
}
