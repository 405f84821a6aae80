/**
 * The searchable text of a message record, field by field, built lazily and at most once per record:
 * a query that only looks at the subject never converts the HTML body, and attachment bytes are read only
 * when a term was not found anywhere else.
 */
import type { Attachment, FileAttachment, MailAddress, MessageRecord, RecipientKind } from '@pstream/pst';
import { foldText } from './fold.js';
import { HtmlTextExtractor, htmlToText } from './html-text.js';
import { TextDecoder } from 'node:util';
import type { TextField } from './query-ast.js';
import { WordIndex } from './word-index.js';
import { splitWords } from './words.js';

/** How far the attachment scan goes. */
export interface AttachmentScanLimits {
  /** Bytes read from each attachment at most; the rest is not searched. */
  readonly maxBytesPerAttachment: number;
  /** Levels of embedded messages searched (an attached message, its own attached messages, …). */
  readonly maxDepth: number;
}

function wordsOf(text: string | undefined): string[] {
  return text ? splitWords(foldText(text)) : [];
}

function addressWords(a: MailAddress | undefined): string[][] {
  return a ? [wordsOf(a.name), wordsOf(a.address)] : [];
}

/** Lazily built word indexes of one record. */
export class RecordText {
  private readonly indexes = new Map<TextField, WordIndex>();
  private contentIndex: Promise<WordIndex> | undefined;

  constructor(
    private readonly record: MessageRecord,
    private readonly limits: AttachmentScanLimits,
  ) {}

  /** The index of a field that needs no I/O (every field but `attachment-content`). */
  field(name: Exclude<TextField, 'attachment-content'>): WordIndex {
    let index = this.indexes.get(name);
    if (index === undefined) {
      index = new WordIndex(this.values(name));
      this.indexes.set(name, index);
    }
    return index;
  }

  /** The index of the text of the record's text-like attachments and embedded messages (reads bytes once). */
  attachmentContent(): Promise<WordIndex> {
    this.contentIndex ??= collectAttachmentText(this.record.attachments ?? [], this.limits, 1).then((texts) => new WordIndex(texts.map(wordsOf)));
    return this.contentIndex;
  }

  private values(name: Exclude<TextField, 'attachment-content'>): string[][] {
    const r = this.record;
    switch (name) {
      case 'subject':
        return [wordsOf(r.subject)];
      case 'from':
        return [...addressWords(r.from), ...addressWords(r.sender)];
      case 'to':
      case 'cc':
      case 'bcc':
        return recipientWords(r, name);
      case 'body':
        return [wordsOf(r.body), wordsOf(r.html === undefined ? undefined : htmlToText(r.html))];
      case 'attachment-names':
        return (r.attachments ?? []).map((a) => wordsOf(a.name));
      case 'headers':
        return [wordsOf(r.transportHeaders)];
    }
  }
}

function recipientWords(r: MessageRecord, kind: RecipientKind): string[][] {
  const out: string[][] = [];
  for (const rcpt of r.recipients ?? []) if (rcpt.kind === kind) out.push(...addressWords(rcpt));
  return out;
}

/** Whether the record has attachments a user would call attachments (inline images in the body do not count). */
export function hasVisibleAttachments(record: MessageRecord): boolean {
  return (record.attachments ?? []).some((a) => a.kind === 'message' || a.isInline !== true);
}

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/xhtml+xml',
  'application/javascript',
  'application/ecmascript',
  'application/csv',
  'application/x-sh',
  'application/x-yaml',
  'application/yaml',
]);
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'csv', 'tsv', 'log', 'md', 'json', 'xml', 'htm', 'html', 'xhtml', 'ics', 'vcf', 'yaml', 'yml', 'ini', 'sql']);

/** The MIME type (lower case, without parameters) and the `charset` parameter of a Content-Type value. */
function parseContentType(value: string | undefined): { type: string; charset: string | undefined } {
  if (!value) return { type: '', charset: undefined };
  const parts = value.split(';');
  const type = (parts[0] ?? '').trim().toLowerCase();
  let charset: string | undefined;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === 'charset') charset = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return { type, charset };
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** How a file attachment is read as text: not at all, as plain text, or as HTML. */
export function textKind(a: FileAttachment): 'none' | 'text' | 'html' {
  const { type } = parseContentType(a.contentType);
  const ext = extensionOf(a.name);
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+xml') || type.endsWith('+json')) return 'text';
  if (type === '' || type === 'application/octet-stream') {
    if (ext === 'htm' || ext === 'html' || ext === 'xhtml') return 'html';
    if (TEXT_EXTENSIONS.has(ext)) return 'text';
  }
  return 'none';
}

function decoderFor(contentType: string | undefined): TextDecoder {
  const { charset } = parseContentType(contentType);
  if (charset) {
    try {
      return new TextDecoder(charset);
    } catch {
      // unknown label: fall back to UTF-8
    }
  }
  return new TextDecoder('utf-8');
}

/** Reads up to `maxBytes` of a text-like attachment and returns its (visible) text. */
async function readAttachmentText(a: FileAttachment, kind: 'text' | 'html', maxBytes: number): Promise<string> {
  const decoder = decoderFor(a.contentType);
  const parts: string[] = [];
  const html = kind === 'html' ? new HtmlTextExtractor((t) => parts.push(t)) : undefined;
  const emit = (s: string): void => {
    if (s === '') return;
    if (html) html.write(s);
    else parts.push(s);
  };
  let remaining = maxBytes;
  const bytes = await a.open();
  for await (const chunk of bytes) {
    const piece = chunk.byteLength > remaining ? chunk.subarray(0, remaining) : chunk;
    remaining -= piece.byteLength;
    emit(decoder.decode(piece, { stream: true }));
    if (remaining <= 0) break; // leaving the loop closes the source
  }
  emit(decoder.decode());
  html?.end();
  return parts.join('');
}

/** The texts of the text-like file attachments and of embedded messages, `depth` levels down. */
async function collectAttachmentText(attachments: readonly Attachment[], limits: AttachmentScanLimits, depth: number): Promise<string[]> {
  const texts: string[] = [];
  for (const a of attachments) {
    if (a.kind === 'file') {
      const kind = textKind(a);
      if (kind !== 'none' && limits.maxBytesPerAttachment > 0) texts.push(await readAttachmentText(a, kind, limits.maxBytesPerAttachment));
    } else if (depth <= limits.maxDepth) {
      const m = a.message;
      texts.push(m.subject, m.body ?? '', m.html === undefined ? '' : htmlToText(m.html));
      for (const inner of m.attachments ?? []) texts.push(inner.name);
      texts.push(...(await collectAttachmentText(m.attachments ?? [], limits, depth + 1)));
    }
  }
  return texts;
}
