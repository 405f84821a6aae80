/**
 * Types of the normalised JSON summaries printed by the oracle scripts in `/work/shared/oracles`
 * (`pstnorm.py` schema), and a TypeScript port of `diff_summaries.py`.
 */
import { createHash } from 'node:crypto';

/** Length (code points) and first 16 hex digits of the SHA-1 of a normalised text. */
export interface TextDigest {
  len: number;
  sha1: string;
}

/** One attachment as a reader reports it. Embedded messages have `embedded: true` and null size/hash. */
export interface AttachmentSummary {
  name: string | null;
  size: number | null;
  sha1: string | null;
  embedded: boolean;
}

/** One recipient row (pst-extractor and pffexport only; pypff and readpst report null). */
export interface RecipientSummary {
  /** `to`, `cc`, `bcc`, or the raw PidTagRecipientType as a string; null when pffexport cannot tell. */
  type: string | null;
  name: string | null;
  email: string | null;
}

/** One message. A null field means "this reader cannot tell", never "empty". */
export interface MessageSummary {
  /** Subject without the 0x01-prefix marker; null only for readpst .vcf items (not comparable). */
  subject: string | null;
  messageClass: string | null;
  senderName: string | null;
  senderEmail: string | null;
  /** pypff, pst-extractor, readpst (readpst builds From: from these). */
  sentRepresentingName?: string | null;
  sentRepresentingEmail?: string | null;
  displayTo: string | null;
  /** readpst only: the To: header it built from PR_DISPLAY_TO. */
  toHeader?: string | null;
  recipients: RecipientSummary[] | null;
  body: TextDigest | null;
  html: TextDigest | null;
  attachments: AttachmentSummary[];
  /** readpst only, for non-mail items: `ics` or `vcf`. */
  kind?: string;
}

/** One folder; `path` is relative to the IPM subtree ("" = its root), "~/..." for folders outside it. */
export interface FolderSummary {
  path: string;
  messageCount: number;
  /** Absent when the reader was run without messages. */
  messages?: MessageSummary[];
}

/** Normalised summary printed by pypff_summary.py, pffexport_summary.py, readpst_summary.py, pstextractor_summary.js. */
export interface ReaderSummary {
  reader: 'pypff' | 'pffexport' | 'readpst' | 'pst-extractor';
  file: string;
  ok: boolean;
  errors: string[];
  warnings?: string[];
  folders: FolderSummary[];
  /** pffexport_summary.py: exit code of pffexport. */
  pffexportExit?: number;
  /** readpst_summary.py: exit code of readpst. */
  readpstExit?: number;
  /** readpst_summary.py: name of the top output directory (the store's display name). */
  storeName?: string;
  /** Exit code of the wrapper script (0 fine, 1 per-item errors, 2 could not open). */
  exitCode: number;
}

/** JSON printed by `pst_fsck.py FILE --json`. */
export interface FsckSummary {
  file: string;
  /** First messages (at most `--max`, default 200). */
  errors: string[];
  nErrors: number;
  warnings: string[];
  nWarnings: number;
  info: {
    wVer?: number;
    crypt?: number;
    size?: number;
    fAMapValid?: number;
    blocks?: number;
    nodes?: number;
    amapPages?: number;
    computedAMapFree?: number;
    cRef_vs_refs?: Record<string, number>;
  };
  /** 0 = no errors, 1 = structural errors, 2 = cannot parse (not a PST, ANSI, crash). */
  exit: number;
}

/** CRLF/CR to LF, trailing NULs then trailing whitespace stripped (pstnorm.norm_text). */
export function normText(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  return s
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(/\u0000+$/, '')
    .replace(/\s+$/u, '');
}

/** Digest of a text as the readers report it; null for absent or empty text (pstnorm.text_digest). */
export function textDigest(s: string | null | undefined): TextDigest | null {
  const n = normText(s);
  if (!n) return null;
  return { len: [...n].length, sha1: createHash('sha1').update(n, 'utf8').digest('hex').slice(0, 16) };
}

/** Size and first 16 hex digits of the SHA-1 of attachment bytes (pstnorm.bytes_digest). */
export function bytesDigest(b: Uint8Array): { size: number; sha1: string } {
  return { size: b.length, sha1: createHash('sha1').update(b).digest('hex').slice(0, 16) };
}

/** Subject as the readers report it: normalised, without a leading 0x01 + prefix-length marker. */
export function normSubject(s: string | null | undefined): string | null {
  const n = normText(s);
  if (n === null) return null;
  return n.length >= 2 && n.charCodeAt(0) === 1 ? n.slice(2) : n;
}

/** Fields compared by default (diff_summaries.py DEFAULT_FIELDS). */
export const DEFAULT_FIELDS = [
  'subject',
  'senderName',
  'senderEmail',
  'sentRepresentingName',
  'sentRepresentingEmail',
  'displayTo',
  'body',
  'html',
  'attachments',
  'recipients',
] as const;
export type ComparedField = (typeof DEFAULT_FIELDS)[number];

/** pffexport replaces characters such as '@' in exported attachment file names. */
export function sanitizeAttachmentName(name: string): string {
  return name.replace(/[^0-9A-Za-z\u0080-\uffff .\-_()[\]{}+,=&!~#$%^']/g, '_');
}

function normAttachments(atts: AttachmentSummary[] | null | undefined, loose: boolean): string | null {
  if (atts === null || atts === undefined) return null;
  const rows = atts.map((a) => {
    const name = a.embedded ? '' : (loose ? sanitizeAttachmentName(a.name ?? '') : (a.name ?? '')).toLowerCase();
    return JSON.stringify([name, a.size, a.sha1, Boolean(a.embedded)]);
  });
  return JSON.stringify(rows.sort());
}

function normRecipients(r: RecipientSummary[] | null | undefined): string | null {
  if (r === null || r === undefined) return null;
  return JSON.stringify(
    r.map((x) => JSON.stringify([x.type ?? '', x.name ?? '', (x.email ?? '').toLowerCase()])).sort(),
  );
}

/** The comparable form of one field (diff_summaries.field); null = not comparable. */
export function comparableField(m: MessageSummary, name: ComparedField, looseNames = false): string | null {
  if (name === 'attachments') return normAttachments(m.attachments, looseNames);
  if (name === 'recipients') return normRecipients(m.recipients);
  const v = m[name];
  if (v === null || v === undefined) return null;
  if (
    (name === 'senderEmail' || name === 'sentRepresentingEmail') &&
    typeof v === 'string' &&
    v.toUpperCase().startsWith('/O=')
  )
    return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function msgKey(m: MessageSummary): string {
  return `${m.subject ?? ''}\u0000${m.body?.sha1 ?? ''}`;
}

function folderMap(s: ReaderSummary, allFolders: boolean): Map<string, FolderSummary> {
  const out = new Map<string, FolderSummary>();
  for (const f of s.folders) if (allFolders || !f.path.startsWith('~/')) out.set(f.path, f);
  return out;
}

/** Options of {@link diffSummaries}. */
export interface DiffOptions {
  /** Also compare folders outside the IPM subtree. */
  allFolders?: boolean;
  fields?: readonly ComparedField[];
}

/**
 * Differences between two reader summaries, with diff_summaries.py semantics: IPM subtree only, a missing
 * folder counts as 0 messages, messages paired by subject (then body hash), a field compared only when
 * both readers report it, attachment names compared loosely when pffexport is involved.
 */
export function diffSummaries(a: ReaderSummary, b: ReaderSummary, options: DiffOptions = {}): string[] {
  const fields = options.fields ?? DEFAULT_FIELDS;
  const fa = folderMap(a, options.allFolders ?? false);
  const fb = folderMap(b, options.allFolders ?? false);
  const out: string[] = [];
  const loose = a.reader === 'pffexport' || b.reader === 'pffexport';
  for (const path of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const A = fa.get(path);
    const B = fb.get(path);
    const ca = A?.messageCount ?? 0;
    const cb = B?.messageCount ?? 0;
    if (ca !== cb) out.push(`folder ${JSON.stringify(path)}: count ${a.reader}=${ca} ${b.reader}=${cb}`);
    if (!A?.messages || !B?.messages) continue;
    const ma = [...A.messages].sort((x, y) => (msgKey(x) < msgKey(y) ? -1 : msgKey(x) > msgKey(y) ? 1 : 0));
    const mb = [...B.messages].sort((x, y) => (msgKey(x) < msgKey(y) ? -1 : msgKey(x) > msgKey(y) ? 1 : 0));
    if ([...ma, ...mb].some((m) => m.subject === null)) continue;
    const pool = new Map<string, MessageSummary[]>();
    for (const m of mb) {
      const k = m.subject ?? '';
      pool.set(k, [...(pool.get(k) ?? []), m]);
    }
    for (const m of ma) {
      const cands = pool.get(m.subject ?? '');
      if (!cands?.length) {
        out.push(`folder ${JSON.stringify(path)}: message ${JSON.stringify(m.subject)} only in ${a.reader}`);
        continue;
      }
      const pick = cands.find((c) => msgKey(c) === msgKey(m)) ?? cands[0]!;
      cands.splice(cands.indexOf(pick), 1);
      for (const f of fields) {
        const va = comparableField(m, f, loose);
        const vb = comparableField(pick, f, loose);
        if (va === null || vb === null) continue;
        if (va !== vb)
          out.push(
            `folder ${JSON.stringify(path)} msg ${JSON.stringify(m.subject)}: ${f} differs: ${a.reader}=${va.slice(0, 200)} ${b.reader}=${vb.slice(0, 200)}`,
          );
      }
    }
    for (const [subj, rest] of pool)
      for (let i = 0; i < rest.length; i++)
        out.push(`folder ${JSON.stringify(path)}: message ${JSON.stringify(subj)} only in ${b.reader}`);
  }
  return out;
}
