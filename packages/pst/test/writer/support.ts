/**
 * Helpers of the writer tests: temporary directories, seeded attachment bytes produced on demand (never one buffer),
 * the expectation a test derives from the records it wrote, and a deep read-back through pst-extractor (embedded
 * messages, categories, content ids), which the oracle summaries do not cover.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  checkPst,
  type FileAttachment,
  type MessageRecord,
  type PstFileSummary,
  PstWriter,
  type PstWriterOptions,
} from '@pstream/pst';
import { PSTFile, type PSTFolder, type PSTMessage, PSTRecipient } from 'pst-extractor';
import {
  compareWithExpected,
  diffSummaries,
  type ExpectedAttachment,
  type ExpectedFolder,
  type ExpectedMessage,
  normText,
  type ReaderSummary,
  runFsck,
  runPffexport,
  runPstExtractor,
  runPypff,
  runReadpst,
  SUMMARY_READERS,
  type SummaryReaderName,
  sanitizeAttachmentName,
} from '../support/oracles.js';

/** A fresh temporary directory, deleted when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-writer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// ------------------------------------------------------------------------------------------- attachment bytes

/** Byte `i` of the seeded stream `seed`: cheap, position-dependent, not periodic at block sizes. */
function fillPattern(out: Uint8Array, seed: number, offset: number): void {
  for (let i = 0; i < out.length; i++) {
    const x = offset + i;
    out[i] = (Math.imul(x ^ (x >>> 13), 0x9e3779b1) + seed * 131 + (x >>> 8)) >>> 24;
  }
}

/** The bytes of a seeded stream, produced in chunks of at most `chunk` bytes. */
export async function* seededBytes(seed: number, size: number, chunk = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < size; at += chunk) {
    const part = new Uint8Array(Math.min(chunk, size - at));
    fillPattern(part, seed, at);
    yield part;
  }
}

/** The digest of a seeded stream as the oracles print it (size, first 16 hex digits of SHA-1), computed streaming. */
export async function seededDigest(seed: number, size: number): Promise<{ size: number; sha1: string }> {
  const h = createHash('sha1');
  for await (const part of seededBytes(seed, size)) h.update(part);
  return { size, sha1: h.digest('hex').slice(0, 16) };
}

const digests = new WeakMap<FileAttachment, { seed: number; size: number }>();

/** A file attachment whose bytes come from a generator, one chunk at a time. */
export function seededAttachment(
  name: string,
  size: number,
  seed: number,
  extra: Partial<FileAttachment> = {},
): FileAttachment {
  const a: FileAttachment = {
    kind: 'file',
    name,
    size,
    open: () => seededBytes(seed, size, extra.size === undefined ? 1 << 20 : 65_536),
    ...extra,
  };
  digests.set(a, { seed, size });
  return a;
}

/** A file attachment whose source yields `actual` bytes although it declares `size`. */
export function lyingAttachment(name: string, size: number, actual: number): FileAttachment {
  return { kind: 'file', name, size, open: () => seededBytes(1, actual, 4096) };
}

// ------------------------------------------------------------------------------------------- expectations

/** What the writer stores for a string: lone surrogates as U+FFFD, NULs dropped. */
export function stored(s: string): string {
  return s.toWellFormed().replaceAll('\0', '');
}

/** A folder name as stored. */
export function storedFolderName(s: string): string {
  const c = stored(s).trim();
  return c === '' ? '(no name)' : c;
}

/** The reader path ("Inbox/Sub") of a source folder path. */
export function folderKey(path: readonly string[]): string {
  return path
    .map((name, depth) =>
      depth === 0 && storedFolderName(name).toLowerCase() === 'deleted items'
        ? 'Deleted Items'
        : storedFolderName(name),
    )
    .join('/');
}

async function expectedAttachment(a: NonNullable<MessageRecord['attachments']>[number]): Promise<ExpectedAttachment> {
  if (a.kind === 'message') return { embedded: await expectedMessage(a.message), name: stored(a.name) };
  const d = digests.get(a);
  if (!d) throw new Error(`test attachment ${a.name} was not made by seededAttachment`);
  return { name: stored(a.name), ...(await seededDigest(d.seed, d.size)) };
}

/** The expectation of one record, as the oracle harness compares it. */
export async function expectedMessage(r: MessageRecord): Promise<ExpectedMessage> {
  const sender = r.sender ?? r.from;
  const author = r.from ?? r.sender;
  const recipients = r.recipients ?? [];
  // the readers report names and addresses normalised (trailing white space dropped, as pstnorm.norm_text does)
  const raw = (a: { name?: string; address?: string }): string => a.name || a.address || '';
  const who = (a: { name?: string; address?: string }): string => normText(stored(raw(a))) ?? '';
  const email = (address: string | undefined): string | undefined =>
    address ? normText(stored(address)) || undefined : undefined;
  const out: ExpectedMessage = {
    subject: stored(r.subject).replace(/^\u0001+/, ''),
    messageClass: r.messageClass ?? 'IPM.Note',
    body: r.body === undefined ? null : stored(r.body),
    html: r.html === undefined ? null : stored(r.html),
    displayTo:
      normText(
        stored(
          recipients
            .filter((x) => x.kind === 'to')
            .map(raw)
            .join('; '),
        ),
      ) || undefined,
    recipients: recipients.map((x) => ({ type: x.kind, name: who(x) || undefined, email: email(x.address) })),
    attachments: await Promise.all((r.attachments ?? []).map(expectedAttachment)),
  };
  if (sender) Object.assign(out, { senderName: who(sender) || undefined, senderEmail: email(sender.address) });
  if (author)
    Object.assign(out, {
      sentRepresentingName: who(author) || undefined,
      sentRepresentingEmail: email(author.address),
    });
  return out;
}

/** One message written into one folder. */
export interface Written {
  readonly folder: readonly string[];
  readonly record: MessageRecord;
}

/** The expectation of a whole file: every folder on the way to a written one, plus the IPM root and Deleted Items. */
export async function expectedFolders(
  items: readonly Written[],
  extraFolders: readonly (readonly string[])[] = [],
): Promise<ExpectedFolder[]> {
  const folders = new Map<string, ExpectedMessage[]>([
    ['', []],
    ['Deleted Items', []],
  ]);
  const touch = (path: readonly string[]): string => {
    for (let i = 1; i <= path.length; i++)
      if (!folders.has(folderKey(path.slice(0, i)))) folders.set(folderKey(path.slice(0, i)), []);
    return folderKey(path);
  };
  for (const p of extraFolders) touch(p);
  for (const item of items) folders.get(touch(item.folder))!.push(await expectedMessage(item.record));
  return [...folders].map(([path, messages]) => ({ path, messages }));
}

// ------------------------------------------------------------------------------------------- writing and checking

/** Writes `items` in order into a new file in `dir`. */
export async function writePst(
  dir: string,
  name: string,
  items: readonly Written[],
  options: PstWriterOptions = { deterministic: true },
): Promise<PstFileSummary> {
  const w = await PstWriter.create(join(dir, name), options);
  for (const item of items) await w.addMessage(item.folder, item.record);
  return w.finish();
}

/** Asserts that our strict checker finds nothing wrong. */
export async function assertCheckClean(path: string): Promise<void> {
  const report = await checkPst(path, { strict: true });
  assert.deepEqual(report.errors, [], `checkPst(${path}) errors`);
  assert.deepEqual(report.warnings, [], `checkPst(${path}) warnings`);
  assert.equal(report.ok, true);
}

/** Options of {@link verifyPst}. */
export interface VerifyOptions {
  /** Folders created without messages. */
  readonly extraFolders?: readonly (readonly string[])[];
  /** Readers to compare (default: all four). */
  readonly readers?: readonly SummaryReaderName[];
  /** A documented reader limitation: the expectation that reader is held to. */
  readonly adjust?: Partial<Record<SummaryReaderName, (expected: ExpectedFolder[]) => ExpectedFolder[]>>;
  /** Also walk the file with pst-extractor (categories, content ids, recipients) and pffexport (embedded messages). */
  readonly deep?: boolean;
}

const RUNNERS: Record<SummaryReaderName, (path: string) => Promise<ReaderSummary>> = {
  pypff: runPypff,
  pffexport: runPffexport,
  readpst: runReadpst,
  pstextractor: runPstExtractor,
};

/**
 * The full check of a written file: checkPst strict, pst_fsck.py clean, every reader reports exactly the expected
 * folders and messages (and, without adjustments, the readers agree with one another), then the deep walks.
 */
export async function verifyPst(path: string, items: readonly Written[], options: VerifyOptions = {}): Promise<void> {
  await assertCheckClean(path);
  const expected = await expectedFolders(items, options.extraFolders ?? []);
  const readers = options.readers ?? SUMMARY_READERS;
  const [fsck, ...summaries] = await Promise.all([runFsck(path), ...readers.map((r) => RUNNERS[r](path))]);
  const problems: string[] = [];
  if (fsck!.exit !== 0) problems.push(`fsck: exit ${fsck!.exit}: ${fsck!.errors.slice(0, 10).join('; ')}`);
  readers.forEach((r, i) => {
    const s = summaries[i] as ReaderSummary;
    if (!s.ok || s.exitCode !== 0)
      problems.push(`${r}: exit ${s.exitCode}, errors: ${s.errors.slice(0, 10).join('; ')}`);
    const want = options.adjust?.[r]?.(structuredClone(expected)) ?? expected;
    problems.push(...compareWithExpected(s, want, { exactFolders: true }));
  });
  if (!options.adjust) {
    const all = summaries as ReaderSummary[];
    for (let i = 1; i < all.length; i++)
      problems.push(...diffSummaries(all[0]!, all[i]!).map((d) => `${all[0]!.reader} vs ${all[i]!.reader}: ${d}`));
  }
  assert.deepEqual(problems.slice(0, 60), [], `readers on ${path}`);
  if (options.deep ?? true) {
    await assertDeepContent(path, items);
    await assertEmbeddedContent(path, items);
  }
}

// ------------------------------------------------------------------------------------------- deep read-back

/** A message as the deep reader sees it, every field normalised like the oracles do. */
export interface DeepMessage {
  subject: string;
  body: string | null;
  html: string | null;
  senderName: string | null;
  senderEmail: string | null;
  recipients: { type: string; name: string | null; email: string | null }[];
  categories: string[];
  attachments: DeepAttachment[];
}

export interface DeepAttachment {
  name: string | null;
  size: number | null;
  sha1: string | null;
  contentId: string | null;
  embedded: DeepMessage | null;
}

const nz = (s: string | null | undefined): string | null => {
  const n = normText(s ?? null);
  return n ? n : null;
};

/**
 * PidNameKeywords: pst-extractor resolves the name through the file's Name-to-ID map, but its own decoder
 * (colorCategories) does not read PtypMultipleString ([MS-OXCDATA] 2.11.1: count, offsets, UTF-16LE strings); decode it here.
 */
/** pst-extractor's raw property map (protected in its typings). */
interface Props {
  pstTableItems: Map<number, { data: Buffer; isExternalValueReference?: boolean; entryValueReference?: number }> | null;
  /** The object's subnodes, by NID: values of more than 3580 bytes live there. */
  localDescriptorItems?: Map<number, { getData(): Buffer }> | null;
}

function categoriesOf(m: PSTMessage): string[] {
  const id = PSTFile.getPublicStringToIdMapItem('Keywords');
  const props = m as unknown as Props;
  const item = id > 0 ? props.pstTableItems?.get(id) : undefined;
  if (!item) return [];
  const data = item.isExternalValueReference
    ? (props.localDescriptorItems?.get(item.entryValueReference!)?.getData() ?? Buffer.alloc(4))
    : item.data;
  const count = data.readUInt32LE(0);
  const offsets = Array.from({ length: count }, (_, i) => data.readUInt32LE(4 + 4 * i));
  return offsets.map((start, i) => data.subarray(start, offsets[i + 1] ?? data.length).toString('utf16le'));
}

function deepMessage(m: PSTMessage): DeepMessage {
  // numberOfRecipients loads the recipient table (getRecipient(i) would re-parse it on every call)
  const table =
    m.numberOfRecipients === 0
      ? null
      : (
          m as unknown as {
            recipientTable: { getItems(): Map<number, unknown>[]; subNodeDescriptorItems: unknown } | null;
          }
        ).recipientTable;
  const rows = table?.getItems() ?? [];
  const pst = (m as unknown as { pstFile: PSTFile }).pstFile;
  const recipients = rows.map((row) => {
    const r = new PSTRecipient(pst, row as never);
    // A cell of more than 3580 bytes is a subnode of the recipient table ([MS-PST] §2.3.4.4), which a PSTRecipient
    // made from a row cannot reach by itself: give it the table's subnodes.
    (r as unknown as { localDescriptorItems: unknown }).localDescriptorItems = table?.subNodeDescriptorItems;
    return {
      type: ({ 1: 'to', 2: 'cc', 3: 'bcc' } as Record<number, string>)[r.recipientType] ?? String(r.recipientType),
      name: nz(r.displayName),
      email: nz(r.smtpAddress) ?? nz(r.emailAddress),
    };
  });
  const attachments: DeepAttachment[] = [];
  for (let i = 0; i < m.numberOfAttachments; i++) {
    const a = m.getAttachment(i);
    const name = nz(a.longFilename) ?? nz(a.filename) ?? nz(a.displayName);
    if (a.attachMethod === 5) {
      // pst-extractor 1.12 never opens embedded messages (PSTAttachment has no descriptor node): see assertEmbeddedContent
      attachments.push({ name, size: null, sha1: null, contentId: null, embedded: null });
      continue;
    }
    const st = a.fileInputStream;
    let size = 0;
    let sha1 = createHash('sha1').update(new Uint8Array(0)).digest('hex').slice(0, 16);
    if (st) {
      size = st.length.toNumber();
      const buf = Buffer.alloc(size);
      st.readCompletely(buf);
      sha1 = createHash('sha1').update(buf).digest('hex').slice(0, 16);
    }
    attachments.push({ name, size, sha1, contentId: nz(a.contentId), embedded: null });
  }
  return {
    subject: normText(m.subject) ?? '',
    body: nz(m.body),
    html: nz(m.bodyHTML),
    senderName: nz(m.senderName),
    senderEmail: nz(m.senderEmailAddress),
    recipients,
    categories: categoriesOf(m),
    attachments,
  };
}

/** Every folder of the IPM subtree (by reader path) with its messages, read by pst-extractor. */
export function deepRead(path: string): Promise<Map<string, DeepMessage[]>> {
  return readIpm(path, deepMessage);
}

/** Every folder of the IPM subtree (by reader path) with a view of each of its messages, read by pst-extractor. */
async function readIpm<T>(path: string, view: (m: PSTMessage) => T): Promise<Map<string, T[]>> {
  const pst = new PSTFile(await readFile(path));
  const ipmNid = (pst.getMessageStore() as unknown as Props).pstTableItems?.get(0x35e0)?.data.readUInt32LE(20);
  const out = new Map<string, T[]>();
  const walk = (folder: PSTFolder, p: string, inside: boolean): void => {
    if (!inside && folder.descriptorNodeId.toNumber() === ipmNid) {
      inside = true;
      p = '';
    }
    if (inside) {
      const messages: T[] = [];
      if (folder.contentCount > 0) {
        for (
          let child = folder.getNextChild() as PSTMessage | null;
          child;
          child = folder.getNextChild() as PSTMessage | null
        )
          messages.push(view(child));
      }
      out.set(p, messages);
    }
    if (folder.hasSubfolders)
      for (const sub of folder.getSubFolders()) walk(sub, p ? `${p}/${sub.displayName}` : sub.displayName, inside);
  };
  walk(pst.getRootFolder(), '', false);
  return out;
}

/** The deep form of an expectation (records carry everything; see {@link expectedDeep}). */
function deepFromExpected(
  e: ExpectedMessage,
  categories: readonly string[],
  contentIds: readonly (string | null)[],
): DeepMessage {
  return {
    subject: normText(e.subject) ?? '',
    body: typeof e.body === 'string' ? nz(e.body) : null,
    html: typeof e.html === 'string' ? nz(e.html) : null,
    senderName: e.senderName ?? null,
    senderEmail: e.senderEmail ?? null,
    recipients: (e.recipients ?? []).map((r) => ({ type: r.type, name: nz(r.name), email: nz(r.email) })),
    categories: [...categories],
    attachments: (e.attachments ?? []).map((a, i) =>
      'embedded' in a
        ? { name: a.name ?? null, size: null, sha1: null, contentId: null, embedded: null }
        : 'data' in a
          ? {
              name: a.name,
              size: a.data.length,
              sha1: createHash('sha1').update(a.data).digest('hex').slice(0, 16),
              contentId: contentIds[i] ?? null,
              embedded: null,
            }
          : { name: a.name, size: a.size, sha1: a.sha1, contentId: contentIds[i] ?? null, embedded: null },
    ),
  };
}

/** The deep expectation of one record, recursively (categories and content ids included). */
export async function expectedDeep(r: MessageRecord): Promise<DeepMessage> {
  const shallow = deepFromExpected(
    await expectedMessage(r),
    (r.categories ?? []).map(stored),
    (r.attachments ?? []).map((a) => (a.kind === 'file' && a.contentId ? stored(a.contentId) : null)),
  );
  return shallow;
}

const bySubject = (a: DeepMessage, b: DeepMessage): number =>
  a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;

/** Asserts that pst-extractor's deep view of the written records equals what was written, field by field. */
export async function assertDeepContent(path: string, items: readonly Written[]): Promise<void> {
  const got = await deepRead(path);
  const want = new Map<string, DeepMessage[]>();
  for (const item of items) {
    const key = folderKey(item.folder);
    want.set(key, [...(want.get(key) ?? []), await expectedDeep(item.record)]);
  }
  const nonEmpty = [...got]
    .filter(([, m]) => m.length > 0)
    .map(([k]) => k)
    .sort();
  assert.deepEqual(nonEmpty, [...want.keys()].sort(), 'deep read: folders holding messages');
  for (const [key, messages] of want) {
    const g = [...(got.get(key) ?? [])].sort(bySubject);
    assert.deepEqual(g, [...messages].sort(bySubject), `deep read of folder ${JSON.stringify(key)}`);
  }
}

// ------------------------------------------------------------------------------------------- embedded messages

/** A message as pffexport exports it: subject, plain body, attachments (files by digest, embedded messages as trees). */
export interface ExportedMessage {
  subject: string;
  body: string | null;
  attachments: ({ name: string; size: number; sha1: string } | { embedded: ExportedMessage })[];
}

async function exportedMessage(dir: string): Promise<ExportedMessage> {
  const headers = await readFile(join(dir, 'OutlookHeaders.txt'), 'utf8').catch(() => '');
  const subject = (/^Subject:\t+(.*)$/m.exec(headers)?.[1] ?? '').trim();
  const body = await readFile(join(dir, 'Message.txt'), 'utf8').then(nz, () => null);
  const attachments: ExportedMessage['attachments'] = [];
  const attDir = join(dir, 'Attachments');
  for (const entry of (await readdir(attDir, { withFileTypes: true }).catch(() => [])).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    if (entry.isDirectory()) {
      for (const sub of await readdir(join(attDir, entry.name)))
        if (/^Message\d+$/.test(sub))
          attachments.push({ embedded: await exportedMessage(join(attDir, entry.name, sub)) });
    } else {
      const bytes = await readFile(join(attDir, entry.name));
      attachments.push({
        name: entry.name.replace(/^\d+_/, ''),
        size: bytes.length,
        sha1: createHash('sha1').update(bytes).digest('hex').slice(0, 16),
      });
    }
  }
  return { subject, body, attachments };
}

/** What pffexport exports for `r` (libpff decodes astral characters its own way: see {@link asLibpffDecodes}). */
function exportedFromRecord(
  r: MessageRecord,
  d: ReadonlyMap<FileAttachment, { size: number; sha1: string }>,
): ExportedMessage {
  return {
    subject: asLibpffDecodes(
      stored(r.subject)
        .replace(/^\u0001+/, '')
        .trim(),
    ),
    body: r.body === undefined ? null : nz(asLibpffDecodes(stored(r.body))),
    attachments: (r.attachments ?? []).map((a) =>
      a.kind === 'message'
        ? { embedded: exportedFromRecord(a.message, d) }
        : { name: sanitizeAttachmentName(asLibpffDecodes(stored(a.name))), ...d.get(a)! },
    ),
  };
}

const sortAttachments = (m: ExportedMessage): ExportedMessage => ({
  ...m,
  attachments: m.attachments
    .map((a) => ('embedded' in a ? { embedded: sortAttachments(a.embedded) } : a))
    .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)),
});

/**
 * Embedded messages, checked through pffexport (libpff opens them; pst-extractor does not): for every written
 * message with an embedded message, the exported tree (subjects, plain bodies, attachment names, sizes and hashes, at
 * every depth) equals the record's.
 */
export async function assertEmbeddedContent(path: string, items: readonly Written[]): Promise<void> {
  const withEmbedded = items.filter((i) => (i.record.attachments ?? []).some((a) => a.kind === 'message'));
  if (withEmbedded.length === 0) return;
  const dir = await mkdtemp(join(tmpdir(), 'pstream-pffexport-'));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('pffexport', ['-q', '-t', join(dir, 'x'), path], { maxBuffer: 1 << 26 }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
    const top = join(dir, 'x.export');
    const [ipm] = (await readdir(top)).filter((n) => n.startsWith('Top of '));
    const digestsOf = new Map<FileAttachment, { size: number; sha1: string }>();
    const collect = async (r: MessageRecord): Promise<void> => {
      for (const a of r.attachments ?? []) {
        if (a.kind === 'message') await collect(a.message);
        else {
          const d = digests.get(a)!;
          digestsOf.set(a, await seededDigest(d.seed, d.size));
        }
      }
    };
    for (const item of withEmbedded) {
      await collect(item.record);
      const folderDir = join(top, ipm!, ...folderKey(item.folder).split('/'));
      const exported: ExportedMessage[] = [];
      for (const m of (await readdir(folderDir)).filter((n) => /^Message\d+$/.test(n)))
        exported.push(await exportedMessage(join(folderDir, m)));
      const want = sortAttachments(exportedFromRecord(item.record, digestsOf));
      const got = exported.map(sortAttachments).find((m) => m.subject === want.subject);
      assert.deepEqual(got, want, `pffexport tree of ${JSON.stringify(want.subject)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------- envelope fields

/** The fields of a message the reader summaries leave out, as pst-extractor reads them (dates in ms, null when absent). */
export interface MessageFields {
  subject: string;
  messageClass: string;
  conversationTopic: string;
  importance: number;
  sensitivity: number;
  isRead: boolean;
  isUnsent: boolean;
  hasAttachments: boolean;
  sentAt: number | null;
  receivedAt: number | null;
  createdAt: number | null;
  modifiedAt: number | null;
  displayTo: string;
  displayCc: string;
  displayBcc: string;
  internetMessageId: string;
  inReplyTo: string;
  references: string;
  transportHeaders: string;
  rtf: string | null;
}

const IMPORTANCE = { low: 0, normal: 1, high: 2 } as const;
const SENSITIVITY = { normal: 0, personal: 1, private: 2, confidential: 3 } as const;

function messageFields(m: PSTMessage): MessageFields {
  const raw = m as unknown as { getStringItem(id: number): string; pstTableItems: Map<number, unknown> | null };
  const time = (d: Date | null): number | null => d?.getTime() ?? null;
  return {
    subject: m.subject,
    messageClass: m.messageClass,
    conversationTopic: m.conversationTopic,
    importance: m.importance,
    sensitivity: m.sensitivity,
    isRead: m.isRead,
    isUnsent: m.isUnsent,
    hasAttachments: m.hasAttachments,
    sentAt: time(m.clientSubmitTime),
    receivedAt: time(m.messageDeliveryTime),
    createdAt: time(m.creationTime),
    modifiedAt: time(m.modificationTime),
    displayTo: m.displayTo,
    displayCc: m.displayCC,
    displayBcc: m.displayBCC,
    internetMessageId: m.internetMessageId,
    inReplyTo: m.inReplyToId,
    references: raw.getStringItem(0x1039), // PidTagInternetReferences: pst-extractor has no getter
    transportHeaders: m.transportMessageHeaders,
    rtf: raw.pstTableItems?.has(0x1009) ? m.bodyRTF : null,
  };
}

/** What the writer stores for `record`: the envelope fields, cleaned like every string. */
export function expectedFields(r: MessageRecord): MessageFields {
  const recipients = r.recipients ?? [];
  const list = (kind: string): string =>
    stored(
      recipients
        .filter((x) => x.kind === kind)
        .map((x) => x.name || x.address || '')
        .join('; '),
    );
  const subject = stored(r.subject.replace(/^\u0001+/, ''));
  const created = r.createdAt ?? r.receivedAt ?? r.sentAt;
  return {
    subject,
    messageClass: stored(r.messageClass || 'IPM.Note'),
    conversationTopic: subject,
    importance: IMPORTANCE[r.importance ?? 'normal'],
    sensitivity: SENSITIVITY[r.sensitivity ?? 'normal'],
    isRead: r.isRead === true,
    isUnsent: r.isDraft === true,
    hasAttachments: (r.attachments ?? []).length > 0,
    sentAt: r.sentAt?.getTime() ?? null,
    receivedAt: r.receivedAt?.getTime() ?? null,
    // without a date in the record the writer's clock decides: not compared
    createdAt: created?.getTime() ?? null,
    modifiedAt: (r.modifiedAt ?? created)?.getTime() ?? null,
    displayTo: list('to'),
    displayCc: list('cc'),
    displayBcc: list('bcc'),
    internetMessageId: stored(r.internetMessageId ?? ''),
    inReplyTo: stored(r.inReplyTo ?? ''),
    references: stored(r.references ?? ''),
    transportHeaders: stored(r.transportHeaders ?? ''),
    // PidTagRtfCompressed holds the RTF uncompressed (8-bit characters, others as '?')
    rtf: r.rtf === undefined ? null : stored(r.rtf).replace(/[^\u0000-\u00ff]/g, '?'),
  };
}

/**
 * Asserts that pst-extractor reads back, for every written top-level message, the envelope fields the summaries do
 * not cover (class, flags, importance, sensitivity, dates, display lists, ids, references, headers, RTF). Messages
 * are paired by subject inside their folder.
 */
export async function assertMessageFields(path: string, items: readonly Written[]): Promise<void> {
  const got = await readIpm(path, messageFields);
  for (const item of items) {
    const want = expectedFields(item.record);
    const candidates = got.get(folderKey(item.folder)) ?? [];
    const k = candidates.findIndex((m) => m.subject === want.subject);
    assert.ok(k >= 0, `message ${JSON.stringify(want.subject.slice(0, 80))} in folder ${folderKey(item.folder)}`);
    const found = candidates.splice(k, 1)[0]!;
    if (want.createdAt === null) found.createdAt = null;
    if (want.modifiedAt === null) found.modifiedAt = null;
    assert.deepEqual(
      found,
      want,
      `fields of ${JSON.stringify(want.subject.slice(0, 80))} in ${folderKey(item.folder)}`,
    );
  }
}

// ------------------------------------------------------------------------------------------- libpff and astral characters

/**
 * libpff as Debian packages it (libuna 20180714) decodes every UTF-16 surrogate pair 0x3FF too low: U+1F4EC reads as
 * U+1F0ED, U+10000 as U+FC01 (measured on the oracles, every plane). This is what it reports for a stored string.
 */
export function asLibpffDecodes(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c > 0xffff ? String.fromCodePoint(c - 0x3ff) : ch;
  }
  return out;
}

/**
 * The expectation pst-extractor's summary is held to: its recipients made from table rows cannot read a cell stored
 * in a subnode of the recipient table (a string of more than 1790 UTF-16 units), and report it as absent. The deep
 * read ({@link deepRead}) hands them the table's subnodes and reads every cell.
 */
export function asPstExtractorReads(folders: ExpectedFolder[]): ExpectedFolder[] {
  const cell = (v: string | undefined): string | undefined => (v !== undefined && v.length > 1790 ? undefined : v);
  for (const f of folders)
    for (const m of f.messages)
      m.recipients = m.recipients?.map((r) => ({ ...r, name: cell(r.name), email: cell(r.email) }));
  return folders;
}

/** The expectation pypff is held to: its PtypString values through {@link asLibpffDecodes} (PidTagHtml is UTF-8: as is). */
export function asLibpffReads(folders: ExpectedFolder[]): ExpectedFolder[] {
  const s = <T extends string | undefined>(v: T): T => (v === undefined ? v : (asLibpffDecodes(v) as T));
  const message = (m: ExpectedMessage): ExpectedMessage => ({
    ...m,
    subject: s(m.subject),
    body: typeof m.body === 'string' ? s(m.body) : m.body,
    senderName: s(m.senderName),
    senderEmail: s(m.senderEmail),
    sentRepresentingName: s(m.sentRepresentingName),
    sentRepresentingEmail: s(m.sentRepresentingEmail),
    displayTo: s(m.displayTo),
    recipients: m.recipients?.map((r) => ({ ...r, name: s(r.name), email: s(r.email) })),
    attachments: m.attachments?.map((a) =>
      'embedded' in a ? { ...a, name: s(a.name), embedded: message(a.embedded) } : { ...a, name: s(a.name) },
    ),
  });
  return folders.map((f) => ({ ...f, messages: f.messages.map(message) }));
}
