/**
 * The reader bugs a whole-corpus round trip runs into, each as the exact transformation the reader applies to what
 * was written: the test holds each reader to `quirk(expected)`, so a reader showing anything else (one character
 * more, a message less) still fails. Each bug is proved on the reader side in the corpus test (the same bytes read
 * correctly by another reader, or the reader's own source). libpff's decoding of characters outside the BMP is the
 * writer tests' asLibpffReads.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEBIAN_PYTHON,
  type ExpectedFolder,
  type ExpectedMessage,
  ORACLES_DIR,
  type TextDigest,
} from '../../../pst/test/support/oracles.js';
import { asLibpffReads } from '../../../pst/test/writer/support.js';
import type { CorpusMessage } from './expectations.js';

/**
 * pffexport mangles a subject's first character when it is outside ASCII, unless PidTagSubject starts with the 0x01
 * prefix-length marker, which Outlook writes and we do not (the marker is optional: every other reader, pypff
 * included, reads both forms; aspose_passwordprotectedPST.pst has `01 01` in front of such subjects, and pffexport
 * reads them right there). What it makes of the character goes by the length of its UTF-8 form, as subjects starting
 * with U+00E9, U+00BB, U+0080, U+0100, U+03A9, U+07D0, U+4E2D, U+0800 and U+1F600 showed: two bytes (U+0080 to
 * U+07FF) and the character is gone, three bytes and it is one U+FFFD, four bytes (outside the BMP) and it is two.
 * The summary script also trims header values. `subject` is as libpff decodes it (asLibpffReads).
 */
export function pffexportSubject(subject: string): string {
  const first = subject.codePointAt(0);
  if (first === undefined || first < 0x80) return subject.trim();
  const rest = subject.slice(String.fromCodePoint(first).length);
  const shown = first < 0x800 ? '' : first < 0x10000 ? '\uFFFD' : '\uFFFD\uFFFD';
  return `${shown}${rest}`.trim();
}

/** What pffexport reports for a file: libpff's strings (asLibpffReads) and the first character of a subject ({@link pffexportSubject}). */
export function asPffexportReads(folders: ExpectedFolder[]): ExpectedFolder[] {
  return asLibpffReads(folders).map((f) => ({
    ...f,
    messages: f.messages.map((m) => ({ ...m, subject: pffexportSubject(m.subject) })),
  }));
}

type TextField = string | TextDigest | null | undefined;

const mapText = (v: TextField, f: (s: string) => string): TextField => (typeof v === 'string' ? f(v) : v);

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
  const input = JSON.stringify(
    messages.map((m) => ({
      headers: m.transportHeaders ?? null,
      html: typeof m.expected.html === 'string' ? m.expected.html : null,
    })),
  );
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(DEBIAN_PYTHON, [VIEW_SCRIPT, ORACLES_DIR], { maxBuffer: 1 << 28 }, (error, out, err) =>
      error ? reject(new Error(`readpst_view.py: ${error.message} ${err.slice(0, 2000)}`)) : resolve(out),
    );
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
