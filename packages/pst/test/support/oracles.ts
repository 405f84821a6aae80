/**
 * Oracle harness for PST tests: runs each independent reader (libpff via pypff and pffexport, libpst's
 * readpst, npm pst-extractor) and the Python structural checker `pst_fsck.py` on a file, returns their
 * normalised summaries, and compares them with what a test wrote.
 *
 * The scripts live in `shared/oracles` beside the repository (`<repo>/../shared/oracles`, as CI lays it out), else in
 * `PST_ORACLES_DIR`, else in `/work/shared/oracles`. Readers come from Debian:
 * `apt-get install -y pst-utils pff-tools python3-pypff`; pst-extractor is a root dev dependency.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type {
  AttachmentSummary,
  FsckSummary,
  MessageSummary,
  ReaderSummary,
  RecipientSummary,
  TextDigest,
} from './summaries.js';
import { bytesDigest, diffSummaries, normSubject, normText, sanitizeAttachmentName, textDigest } from './summaries.js';

export * from './summaries.js';

/** Repository root (pst-extractor is resolved from here). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Directory of the oracle scripts: `<repo>/../shared/oracles` when it exists, else `PST_ORACLES_DIR`. */
export const ORACLES_DIR = ((): string => {
  const beside = resolve(REPO_ROOT, '..', 'shared', 'oracles');
  if (existsSync(join(beside, 'pst_fsck.py'))) return beside;
  return process.env.PST_ORACLES_DIR ?? '/work/shared/oracles';
})();
/** Debian's python, the only one that sees the python3-pypff module. */
export const DEBIAN_PYTHON = process.env.PST_ORACLES_PYTHON ?? '/usr/bin/python3';

/** The independent readers and the checker. */
export type ReaderName = 'fsck' | 'pypff' | 'pffexport' | 'readpst' | 'pstextractor';
export const ALL_READERS: readonly ReaderName[] = ['fsck', 'pypff', 'pffexport', 'readpst', 'pstextractor'];
/** The readers that produce a {@link ReaderSummary} (all but fsck). */
export const SUMMARY_READERS = ['pypff', 'pffexport', 'readpst', 'pstextractor'] as const;
export type SummaryReaderName = (typeof SUMMARY_READERS)[number];

/** What is needed for each reader, and which Debian package provides it. */
const INSTALL_HINT: Record<ReaderName, string> = {
  fsck: 'python3 (Debian package python3)',
  pypff: 'Debian package python3-pypff (apt-get install -y python3-pypff)',
  pffexport: 'Debian package pff-tools (apt-get install -y pff-tools)',
  readpst: 'Debian package pst-utils (apt-get install -y pst-utils)',
  pstextractor: 'npm package pst-extractor (root devDependency: pnpm install)',
};

/** Whether one reader can run here, and if not why. */
export interface ReaderAvailability {
  available: boolean;
  reason?: string;
}

interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with its stdout going to a temporary file: a script that calls process.exit() right after writing a
 * large result to a pipe (pstextractor_summary.js) loses the rest of it, while writes to a file are synchronous.
 */
async function runProcess(cmd: string, args: readonly string[], cwd = REPO_ROOT): Promise<ProcessResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pst-oracle-'));
  const outPath = join(dir, 'stdout');
  const out = await open(outPath, 'w');
  try {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(cmd, args, { cwd, stdio: ['ignore', out.fd, 'pipe'] });
      const err: Buffer[] = [];
      child.stderr!.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (c) => resolvePromise({ code: c ?? -1, stderr: Buffer.concat(err).toString('utf8') }));
    });
    await out.close();
    return { code, stdout: await readFile(outPath, 'utf8'), stderr };
  } finally {
    await out.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function exists(p: string, mode = constants.R_OK): Promise<boolean> {
  try {
    await access(p, mode);
    return true;
  } catch {
    return false;
  }
}

async function onPath(bin: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && (await exists(join(dir, bin), constants.X_OK))) return true;
  return false;
}

let availability: Promise<Record<ReaderName, ReaderAvailability>> | undefined;

/** Which readers can run on this machine (computed once). */
export function readerAvailability(): Promise<Record<ReaderName, ReaderAvailability>> {
  availability ??= (async () => {
    const script = async (name: string): Promise<string | undefined> =>
      (await exists(join(ORACLES_DIR, name)))
        ? undefined
        : `oracle script ${join(ORACLES_DIR, name)} not found (set PST_ORACLES_DIR)`;
    const python = (await exists(DEBIAN_PYTHON, constants.X_OK)) ? undefined : `${DEBIAN_PYTHON} not found`;
    const pypff =
      python ??
      ((await runProcess(DEBIAN_PYTHON, ['-c', 'import pypff']).catch(() => ({ code: 1 }))).code === 0
        ? undefined
        : `${DEBIAN_PYTHON} cannot import pypff`);
    const pffexport = (await onPath('pffexport')) ? undefined : 'pffexport not on PATH';
    const readpst = (await onPath('readpst')) ? undefined : 'readpst not on PATH';
    const pe = (await exists(join(REPO_ROOT, 'node_modules', 'pst-extractor', 'package.json')))
      ? undefined
      : `pst-extractor not installed under ${REPO_ROOT}/node_modules`;
    const mk = (...reasons: (string | undefined)[]): ReaderAvailability => {
      const reason = reasons.find((r) => r !== undefined);
      return reason === undefined ? { available: true } : { available: false, reason };
    };
    return {
      fsck: mk(await script('pst_fsck.py'), python),
      pypff: mk(await script('pypff_summary.py'), pypff),
      pffexport: mk(await script('pffexport_summary.py'), pffexport),
      readpst: mk(await script('readpst_summary.py'), readpst),
      pstextractor: mk(await script('pstextractor_summary.js'), pe),
    };
  })();
  return availability;
}

/**
 * Makes sure the named readers can run (all of them by default). When one is missing: under `CI=true`
 * the test fails with an error naming what to install; otherwise the test is skipped with that message
 * and false is returned, so the caller can `if (!(await requireReaders(t))) return;`.
 */
export async function requireReaders(t: TestContext, ...names: ReaderName[]): Promise<boolean> {
  const av = await readerAvailability();
  const missing = (names.length ? names : ALL_READERS).filter((n) => !av[n].available);
  if (!missing.length) return true;
  return missingPrerequisite(
    t,
    `PST readers missing: ${missing.map((n) => `${n} (${av[n].reason}; install ${INSTALL_HINT[n]})`).join(', ')}`,
  );
}

/** Something a test needs is not there: under `CI=true` the test fails with `message`, otherwise it is skipped. */
function missingPrerequisite(t: TestContext, message: string): false {
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/** A program a test runs (a name looked up on PATH, or an absolute path) and the Debian package that provides it. */
export interface ExternalTool {
  readonly command: string;
  readonly debianPackage: string;
}

/** The three independent ZIP validators of the export tests. */
export const ZIP_TOOLS: readonly ExternalTool[] = [
  { command: 'unzip', debianPackage: 'unzip' },
  { command: '7z', debianPackage: 'p7zip-full' },
  { command: 'python3', debianPackage: 'python3' },
];

const toolFound = new Map<string, Promise<boolean>>();

/** Whether `command` can be run: an executable file at its path, or on PATH (looked up once per command). */
function canRun(command: string): Promise<boolean> {
  let found = toolFound.get(command);
  if (found === undefined) {
    found = command.includes('/') ? exists(command, constants.X_OK) : onPath(command);
    toolFound.set(command, found);
  }
  return found;
}

/**
 * Makes sure the program `command` can run. When it cannot: under `CI=true` the test fails with an error naming
 * the Debian package to install; otherwise the test is skipped with that message and false is returned, so the
 * caller can `if (!(await requireTool(t, '7z', 'p7zip-full'))) return;` before doing any work.
 */
export function requireTool(t: TestContext, command: string, debianPackage: string): Promise<boolean> {
  return requireTools(t, [{ command, debianPackage }]);
}

/** {@link requireTool} for several programs at once; the message names every one that is missing. */
export async function requireTools(t: TestContext, tools: readonly ExternalTool[]): Promise<boolean> {
  const missing: ExternalTool[] = [];
  for (const tool of tools) if (!(await canRun(tool.command))) missing.push(tool);
  if (!missing.length) return true;
  const what = missing
    .map((m) => `${m.command} (Debian package ${m.debianPackage}: apt-get install -y ${m.debianPackage})`)
    .join(', ');
  return missingPrerequisite(t, `programs missing: ${what}`);
}

function parseJson<T>(what: string, r: ProcessResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${what} printed no JSON (exit ${r.code}): ${r.stderr.slice(0, 2000) || r.stdout.slice(0, 2000)}`);
  }
}

async function requireFile(path: string): Promise<string> {
  const abs = resolve(path);
  await stat(abs);
  return abs;
}

/** Runs `pst_fsck.py FILE --json` (the Python structural checker). */
export async function runFsck(path: string): Promise<FsckSummary> {
  const r = await runProcess(DEBIAN_PYTHON, [join(ORACLES_DIR, 'pst_fsck.py'), await requireFile(path), '--json']);
  return parseJson<FsckSummary>('pst_fsck.py', r);
}

async function summary(what: string, cmd: string, args: string[]): Promise<ReaderSummary> {
  const r = await runProcess(cmd, args);
  return { ...parseJson<Omit<ReaderSummary, 'exitCode'>>(what, r), exitCode: r.code };
}

/** libpff through its python binding (no recipient table: `recipients` is null, `displayTo` is set). */
export async function runPypff(path: string): Promise<ReaderSummary> {
  return summary('pypff_summary.py', DEBIAN_PYTHON, [join(ORACLES_DIR, 'pypff_summary.py'), await requireFile(path)]);
}

/** libpff's pffexport (recipients from Recipients.txt; skips IPM.Post items). */
export async function runPffexport(path: string): Promise<ReaderSummary> {
  return summary('pffexport_summary.py', DEBIAN_PYTHON, [
    join(ORACLES_DIR, 'pffexport_summary.py'),
    await requireFile(path),
  ]);
}

/** libpst's readpst -j 0 (IPM subtree only, no empty folders; sender from sentRepresenting*, To: in toHeader). */
export async function runReadpst(path: string): Promise<ReaderSummary> {
  return summary('readpst_summary.py', DEBIAN_PYTHON, [
    join(ORACLES_DIR, 'readpst_summary.py'),
    await requireFile(path),
  ]);
}

/** npm pst-extractor (cannot open ANSI files). */
export async function runPstExtractor(path: string): Promise<ReaderSummary> {
  return summary('pstextractor_summary.js', process.execPath, [
    join(ORACLES_DIR, 'pstextractor_summary.js'),
    await requireFile(path),
  ]);
}

/** Every reader's view of one file. */
export interface ReadBack {
  fsck: FsckSummary;
  pypff: ReaderSummary;
  pffexport: ReaderSummary;
  readpst: ReaderSummary;
  pstextractor: ReaderSummary;
}

/** Runs the checker and the four readers on `path`, concurrently. */
export async function readBackAll(path: string): Promise<ReadBack> {
  const [fsck, pypff, pffexport, readpst, pstextractor] = await Promise.all([
    runFsck(path),
    runPypff(path),
    runPffexport(path),
    runReadpst(path),
    runPstExtractor(path),
  ]);
  return { fsck, pypff, pffexport, readpst, pstextractor };
}

// ---------------------------------------------------------------- expectations

/** A recipient a test wrote. */
export interface ExpectedRecipient {
  type: 'to' | 'cc' | 'bcc';
  name?: string;
  email?: string;
}

/** An attachment a test wrote: file data (or its size and hash), or an embedded message. */
export type ExpectedAttachment =
  | { name: string; data: Uint8Array }
  | { name: string; size: number; sha1: string }
  | { embedded: ExpectedMessage; name?: string };

/** A message a test wrote. Omitted fields are not compared. */
export interface ExpectedMessage {
  subject: string;
  messageClass?: string;
  /** Plain-text body (or its digest); null = no plain body. */
  body?: string | TextDigest | null;
  /** HTML body (or its digest); null = no HTML body. */
  html?: string | TextDigest | null;
  senderName?: string;
  senderEmail?: string;
  /** Defaults to the sender's when omitted (readpst reports only these). */
  sentRepresentingName?: string;
  sentRepresentingEmail?: string;
  /** PR_DISPLAY_TO as written (pypff, pst-extractor). */
  displayTo?: string;
  recipients?: ExpectedRecipient[];
  attachments?: ExpectedAttachment[];
}

/** A folder a test wrote, by path relative to the IPM subtree ("" = its root, "Inbox/Sub"). */
export interface ExpectedFolder {
  path: string;
  messages: ExpectedMessage[];
}

/** Options of {@link compareWithExpected}. */
export interface CompareOptions {
  /** Report folders the reader shows but the expectation does not list (default false: IPM folders created by the writer are allowed). */
  exactFolders?: boolean;
}

function attachmentRow(a: ExpectedAttachment): AttachmentSummary {
  if ('embedded' in a) return { name: a.name ?? null, size: null, sha1: null, embedded: true };
  if ('data' in a) return { name: a.name, ...bytesDigest(a.data), embedded: false };
  return { name: a.name, size: a.size, sha1: a.sha1, embedded: false };
}

/** The summary a perfect reader would print for an expected message. */
export function expectedSummary(m: ExpectedMessage): MessageSummary {
  const rcpt = (r: ExpectedRecipient): RecipientSummary => ({
    type: r.type,
    name: normText(r.name ?? null) || null,
    email: normText(r.email ?? null) || null,
  });
  const text = (s: string | TextDigest | null | undefined): TextDigest | null =>
    typeof s === 'object' && s !== null ? s : textDigest(s ?? null);
  return {
    subject: normSubject(m.subject) ?? '',
    messageClass: m.messageClass ?? null,
    senderName: m.senderName ?? null,
    senderEmail: m.senderEmail ?? null,
    sentRepresentingName: m.sentRepresentingName ?? m.senderName ?? null,
    sentRepresentingEmail: m.sentRepresentingEmail ?? m.senderEmail ?? null,
    displayTo: m.displayTo ?? null,
    recipients: m.recipients ? m.recipients.map(rcpt) : null,
    body: m.body === undefined ? null : text(m.body),
    html: m.html === undefined ? null : text(m.html),
    attachments: (m.attachments ?? []).map(attachmentRow),
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Differences between what a reader reports and what was written. Only fields the reader reports
 * (non-null) and the expectation sets are compared; bodies that the expectation sets to null must be
 * absent. Messages are paired by subject inside each folder; folders missing in the reader count as empty
 * (readpst omits empty folders).
 */
export function compareWithExpected(
  s: ReaderSummary,
  expected: readonly ExpectedFolder[],
  options: CompareOptions = {},
): string[] {
  const out: string[] = [];
  const r = s.reader;
  const folders = new Map(s.folders.filter((f) => !f.path.startsWith('~/')).map((f) => [f.path, f]));
  for (const ef of expected) {
    const f = folders.get(ef.path);
    folders.delete(ef.path);
    const count = f?.messageCount ?? 0;
    if (count !== ef.messages.length)
      out.push(`${r}: folder ${JSON.stringify(ef.path)} has ${count} messages, expected ${ef.messages.length}`);
    if (!f?.messages) continue;
    const pool = [...f.messages];
    for (const em of ef.messages) {
      const want = expectedSummary(em);
      const k = pool.findIndex((m) => m.subject === null || m.subject === want.subject);
      if (k < 0) {
        out.push(`${r}: folder ${JSON.stringify(ef.path)}: message ${JSON.stringify(want.subject)} not found`);
        continue;
      }
      const got = pool.splice(k, 1)[0]!;
      if (got.subject === null) continue; // readpst .vcf items
      const where = `${r}: ${JSON.stringify(ef.path)} / ${JSON.stringify(want.subject)}`;
      const cmp = (field: string, g: unknown, w: unknown): void => {
        if (g === null || g === undefined || w === null || w === undefined) return;
        if (!same(g, w)) out.push(`${where}: ${field} is ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`);
      };
      cmp('messageClass', got.messageClass, em.messageClass);
      cmp('senderName', got.senderName, em.senderName);
      cmp('senderEmail', got.senderEmail, em.senderEmail?.toUpperCase().startsWith('/O=') ? undefined : em.senderEmail);
      cmp('sentRepresentingName', got.sentRepresentingName, em.sentRepresentingName ?? em.senderName);
      cmp('sentRepresentingEmail', got.sentRepresentingEmail, em.sentRepresentingEmail ?? em.senderEmail);
      cmp('displayTo', got.displayTo, em.displayTo);
      for (const [field, g, w, set] of [
        ['body', got.body, want.body, em.body !== undefined],
        ['html', got.html, want.html, em.html !== undefined],
      ] as const) {
        // a reader that renders one body from another (readpst, pffexport) may report a body that was not written
        if (set && w !== null && !same(g, w))
          out.push(`${where}: ${field} is ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`);
      }
      if (em.recipients && got.recipients) {
        const norm = (x: RecipientSummary[]): string =>
          JSON.stringify(x.map((y) => [y.type ?? '', y.name ?? '', (y.email ?? '').toLowerCase()].join('|')).sort());
        // pffexport cannot always tell the type: compare without it when it reports null
        const strip = got.recipients.some((x) => x.type === null);
        const g = strip ? got.recipients.map((x) => ({ ...x, type: null })) : got.recipients;
        const w = strip ? want.recipients!.map((x) => ({ ...x, type: null })) : want.recipients!;
        if (norm(g) !== norm(w)) out.push(`${where}: recipients are ${norm(g)}, expected ${norm(w)}`);
      }
      if (em.attachments) {
        const loose = r === 'pffexport';
        const row = (a: AttachmentSummary): string =>
          JSON.stringify(
            a.embedded
              ? ['', null, null, true]
              : [(loose ? sanitizeAttachmentName(a.name ?? '') : (a.name ?? '')).toLowerCase(), a.size, a.sha1, false],
          );
        // a reader that does not name some file attachment (null) is compared on size and hash only
        const unnamed = got.attachments.some((a) => !a.embedded && a.name === null);
        const drop = (a: AttachmentSummary): AttachmentSummary => (unnamed ? { ...a, name: null } : a);
        const g = got.attachments.map(drop).map(row).sort();
        const w = want.attachments.map(drop).map(row).sort();
        if (!same(g, w)) out.push(`${where}: attachments are ${g.join(', ')}, expected ${w.join(', ')}`);
      }
    }
    for (const extra of pool)
      out.push(`${r}: folder ${JSON.stringify(ef.path)}: unexpected message ${JSON.stringify(extra.subject)}`);
  }
  if (options.exactFolders)
    for (const [path, f] of folders)
      out.push(`${r}: unexpected folder ${JSON.stringify(path)} (${f.messageCount} messages)`);
  return out;
}

/** Options of {@link assertReadersAgree}. */
export interface AgreeOptions extends CompareOptions {
  /** Readers to run (default: all). */
  readers?: readonly ReaderName[];
}

/**
 * Asserts that `path` is structurally clean (pst_fsck.py exit 0) and that every reader reports exactly the
 * expected folders and messages, and that the readers agree with one another (diff_summaries semantics).
 * Throws one Error listing every difference. Call {@link requireReaders} first.
 */
export async function assertReadersAgree(
  path: string,
  expected: readonly ExpectedFolder[],
  options: AgreeOptions = {},
): Promise<Partial<ReadBack>> {
  const wanted = new Set(options.readers ?? ALL_READERS);
  const runners: Record<ReaderName, (p: string) => Promise<FsckSummary | ReaderSummary>> = {
    fsck: runFsck,
    pypff: runPypff,
    pffexport: runPffexport,
    readpst: runReadpst,
    pstextractor: runPstExtractor,
  };
  const names = ALL_READERS.filter((n) => wanted.has(n));
  const results = await Promise.all(names.map((n) => runners[n](path)));
  const back: Partial<ReadBack> = {};
  const problems: string[] = [];
  const summaries: ReaderSummary[] = [];
  names.forEach((n, i) => {
    const res = results[i]!;
    if (n === 'fsck') {
      const f = res as FsckSummary;
      back.fsck = f;
      if (f.exit !== 0)
        problems.push(`fsck: exit ${f.exit}, ${f.nErrors} error(s): ${f.errors.slice(0, 10).join('; ')}`);
      return;
    }
    const s = res as ReaderSummary;
    (back as Record<string, unknown>)[n] = s;
    summaries.push(s);
    if (!s.ok || s.exitCode !== 0)
      problems.push(`${s.reader}: exit ${s.exitCode}, errors: ${s.errors.slice(0, 10).join('; ')}`);
    problems.push(...compareWithExpected(s, expected, options));
  });
  for (let i = 1; i < summaries.length; i++)
    problems.push(
      ...diffSummaries(summaries[0]!, summaries[i]!).map(
        (d) => `${summaries[0]!.reader} vs ${summaries[i]!.reader}: ${d}`,
      ),
    );
  if (problems.length) throw new Error(`readers disagree on ${path}:\n  ${problems.slice(0, 100).join('\n  ')}`);
  return back;
}
