/**
 * The reader bugs a whole-corpus round trip runs into, each as the exact transformation the reader applies to what
 * was written: the test holds each reader to `quirk(expected)`, so a reader showing anything else (one character
 * more, a message less) still fails. Each bug is proved on the reader side in the corpus test (the same bytes read
 * correctly by another reader, or the reader's own source).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_PYTHON, ORACLES_DIR, type ExpectedAttachment, type ExpectedMessage, type TextDigest } from '../../../pst/test/support/oracles.js';
import type { CorpusMessage } from './expectations.js';

/**
 * libpff as packaged by Debian (libuna 20180714) decodes a UTF-16 surrogate pair to the code point 0x3FF below the
 * right one (it subtracts 0xDFFF from the low surrogate where 0xDC00 is due): "📬" (D83D DCEC, U+1F4EC) comes out as
 * U+1F0ED. Every string pypff and pffexport convert goes through it; BMP characters are untouched.
 */
export function libuna(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c > 0xffff ? String.fromCodePoint(c - 0x3ff) : ch;
  }
  return out;
}

/**
 * pffexport writes a subject that starts with a character outside ASCII with that first character as one U+FFFD,
 * unless PidTagSubject starts with the 0x01 prefix-length marker, which Outlook writes and we do not (the marker is
 * optional: every other reader, pypff included, reads both forms; aspose_passwordprotectedPST.pst has `01 01` in front
 * of such subjects, and pffexport reads them right there). The summary script also trims header values.
 */
export function pffexportSubject(subject: string): string {
  const s = libuna(subject);
  const first = s.codePointAt(0);
  const garbled = first !== undefined && first >= 0x80 && first !== 1 ? `\uFFFD${s.slice(String.fromCodePoint(first).length)}` : s;
  return garbled.trim();
}

type TextField = string | TextDigest | null | undefined;

const mapText = (v: TextField, f: (s: string) => string): TextField => (typeof v === 'string' ? f(v) : v);
const mapName = (v: string | undefined, f: (s: string) => string): string | undefined => (v === undefined ? v : f(v));

function mapAttachment(a: ExpectedAttachment, f: (s: string) => string): ExpectedAttachment {
  if ('embedded' in a) return { ...a, ...(a.name === undefined ? {} : { name: f(a.name) }) };
  return { ...a, name: f(a.name) };
}

/**
 * Every string property of a message through `f` (what a reader's string conversion does to all of them). PidTagHtml is
 * binary (UTF-8 bytes here): libpff hands it over untouched.
 */
function mapStrings(m: ExpectedMessage, f: (s: string) => string): ExpectedMessage {
  return {
    ...m,
    subject: f(m.subject),
    body: mapText(m.body, f),
    senderName: mapName(m.senderName, f),
    senderEmail: mapName(m.senderEmail, f),
    sentRepresentingName: mapName(m.sentRepresentingName, f),
    sentRepresentingEmail: mapName(m.sentRepresentingEmail, f),
    displayTo: mapName(m.displayTo, f),
    recipients: m.recipients?.map((r) => ({ ...r, name: mapName(r.name, f), email: mapName(r.email, f) })),
    attachments: m.attachments?.map((a) => mapAttachment(a, f)),
  };
}

/** What pypff reports for a message: every string through {@link libuna}. */
export function pypffView(m: ExpectedMessage): ExpectedMessage {
  return mapStrings(m, libuna);
}

/** What pffexport reports: every string through {@link libuna}, and the subject's first character (see {@link pffexportSubject}). */
export function pffexportView(m: ExpectedMessage): ExpectedMessage {
  return { ...mapStrings(m, libuna), subject: pffexportSubject(m.subject) };
}

/** readpst's reading of one message's transport headers and HTML (see readpst_view.py). */
export interface ReadpstHeaderView {
  subject: string | null;
  sentRepresentingName: string | null;
  sentRepresentingEmail: string | null;
  html: TextDigest | null;
}

const VIEW_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../../pst/test/support/readpst_view.py');

/** Runs readpst_view.py over the messages (their headers and HTML), in order. */
export async function readpstHeaderViews(messages: readonly CorpusMessage[]): Promise<ReadpstHeaderView[]> {
  const input = JSON.stringify(messages.map((m) => ({ headers: m.transportHeaders ?? null, html: typeof m.expected.html === 'string' ? m.expected.html : null })));
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(DEBIAN_PYTHON, [VIEW_SCRIPT, ORACLES_DIR], { maxBuffer: 1 << 28 }, (error, out, err) => (error ? reject(new Error(`readpst_view.py: ${error.message} ${err.slice(0, 2000)}`)) : resolve(out)));
    child.stdin!.end(input);
  });
  return JSON.parse(stdout) as ReadpstHeaderView[];
}

/**
 * What readpst (`-j 0 -8`, through readpst_summary.py) reports for a message:
 * - the subject and sender of its transport headers when they have them (see readpst_view.py), else ours;
 * - the HTML as our UTF-8 bytes decoded with the charset readpst labels them with (readpst_view.py);
 * - the plain body without any CR: readpst's removeCR drops every CR, lone ones too, where the summary turns a lone CR
 *   into a line break;
 * - no attachment of zero bytes: readpst writes none for them (libpst skips an attachment without data);
 * - senderName/senderEmail: readpst prints only the sent-representing ones.
 */
export function readpstView(m: ExpectedMessage, view: ReadpstHeaderView): ExpectedMessage {
  const out: ExpectedMessage = {
    ...m,
    senderName: undefined,
    senderEmail: undefined,
    sentRepresentingName: m.sentRepresentingName ?? m.senderName,
    sentRepresentingEmail: m.sentRepresentingEmail ?? m.senderEmail,
    body: mapText(m.body, (s) => s.replaceAll('\r', '')),
    html: typeof m.html === 'string' ? view.html : m.html,
    attachments: m.attachments?.filter((a) => 'embedded' in a || ('data' in a ? a.data.length : a.size) > 0),
  };
  if (view.subject !== null) out.subject = view.subject;
  if (view.sentRepresentingName !== null || view.sentRepresentingEmail !== null) {
    out.sentRepresentingName = view.sentRepresentingName ?? undefined;
    out.sentRepresentingEmail = view.sentRepresentingEmail ?? undefined;
  }
  return out;
}
