/**
 * The searchable text of a message record, field by field, built lazily and at most once per record:
 * a query that only looks at the subject never converts the HTML body, nor does a term found in the plain-text
 * body, and attachment bytes are read only when a term was not found anywhere else.
 *
 * Items of other kinds are searched through the same fields: an appointment's organizer is in `from` and its
 * attendees in `to` (required), `cc` (optional) and `bcc` (resources), as Outlook puts them in the recipient table;
 * the text of its location, and a contact's names, e-mail addresses, phone numbers, postal addresses, company,
 * department and title, a task's owner and a distribution list's members are in `body` with the notes.
 */

import { TextDecoder } from 'node:util';
import type { Attachment, FileAttachment, MessageRecord, RecipientKind } from '@pstream/pst';
import { foldText } from './fold.js';
import { HtmlTextExtractor, htmlToText } from './html-text.js';
import type { TextField } from './query-ast.js';
import { WordIndex } from './word-index.js';
import { WordSearch } from './word-search.js';
import { splitWords } from './words.js';

/** How far the attachment scan goes. */
export interface AttachmentScanLimits {
  /** Bytes read from each attachment at most; the rest is not searched. */
  readonly maxBytesPerAttachment: number;
  /** Levels of embedded messages searched (an attached message, its own attached messages, …). */
  readonly maxDepth: number;
}

/**
 * How many one-word terms a field answers by searching its text directly. Later terms use a word index of the
 * field, so that a query of many terms costs the index once instead of one text scan per term.
 */
const DIRECT_SEARCHES = 4;

/**
 * The folded text of one field of one record, as separate values (a phrase never runs from one into the next).
 * A one-word term is searched for in the text directly (see `WordSearch`); a phrase, or any term once the field
 * has answered `DIRECT_SEARCHES` of them, goes through a word index of the field, built once.
 */
export class FieldText {
  private readonly values: string[] = [];
  private searches = 0;
  private index: WordIndex | undefined;

  /**
   * @param values the field's values as given (folded here); empty and missing ones are left out
   * @param deferred a last value that is costly to produce (the HTML body's text), asked for only when the
   *   other values do not answer the term
   */
  constructor(
    values: Iterable<string | undefined>,
    private deferred?: () => string | undefined,
  ) {
    for (const v of values) this.add(v);
  }

  /**
   * Whether the field holds `words` as consecutive words of one value, the last one only as a prefix with
   * `prefix`. `search` is the compiled form of a one-word term (it must be for `words[0]` and `prefix`).
   */
  contains(words: readonly string[], prefix: boolean, search?: WordSearch): boolean {
    if (words.length === 1 && this.index === undefined && this.searches < DIRECT_SEARCHES) {
      this.searches++;
      const s = search ?? new WordSearch(words[0] as string, prefix);
      for (const v of this.values) if (s.foundIn(v)) return true;
      const last = this.takeDeferred();
      return last !== undefined && s.foundIn(last);
    }
    this.takeDeferred();
    this.index ??= new WordIndex(this.values.map(splitWords));
    return this.index.contains(words, prefix);
  }

  /** Folds and adds the deferred value, if any; returns it folded. */
  private takeDeferred(): string | undefined {
    const produce = this.deferred;
    if (produce === undefined) return undefined;
    this.deferred = undefined;
    return this.add(produce());
  }

  private add(value: string | undefined): string | undefined {
    if (!value) return undefined;
    const folded = foldText(value);
    this.values.push(folded);
    return folded;
  }
}

/** Lazily built field texts of one record. */
export class RecordText {
  private readonly fields = new Map<TextField, FieldText>();
  private content: Promise<FieldText> | undefined;

  constructor(
    private readonly record: MessageRecord,
    private readonly limits: AttachmentScanLimits,
  ) {}

  /** The text of a field that needs no I/O (every field but `attachment-content`). */
  field(name: Exclude<TextField, 'attachment-content'>): FieldText {
    let field = this.fields.get(name);
    if (field === undefined) {
      field = this.build(name);
      this.fields.set(name, field);
    }
    return field;
  }

  /** The text of the record's text-like attachments and embedded messages (reads bytes once). */
  attachmentContent(): Promise<FieldText> {
    this.content ??= collectAttachmentText(this.record.attachments ?? [], this.limits, 1).then(
      (texts) => new FieldText(texts),
    );
    return this.content;
  }

  private build(name: Exclude<TextField, 'attachment-content'>): FieldText {
    const r = this.record;
    switch (name) {
      case 'subject':
        return new FieldText([r.subject]);
      case 'from': {
        const organizer = r.appointment?.organizer;
        return new FieldText([
          r.from?.name,
          r.from?.address,
          r.sender?.name,
          r.sender?.address,
          organizer?.name,
          organizer?.address,
        ]);
      }
      case 'to':
      case 'cc':
      case 'bcc':
        return new FieldText([...recipientValues(r, name), ...attendeeValues(r, name)]);
      case 'body': {
        const html = r.html;
        return new FieldText([r.body, ...itemKindValues(r)], html === undefined ? undefined : () => htmlToText(html));
      }
      case 'attachment-names':
        return new FieldText((r.attachments ?? []).map((a) => a.name));
      case 'headers':
        return new FieldText([r.transportHeaders]);
    }
  }
}

function recipientValues(r: MessageRecord, kind: RecipientKind): string[] {
  const out: string[] = [];
  for (const rcpt of r.recipients ?? []) {
    if (rcpt.kind === kind) {
      if (rcpt.name) out.push(rcpt.name);
      if (rcpt.address) out.push(rcpt.address);
    }
  }
  return out;
}

/** The recipient kind an attendee's role takes in the recipient table ([MS-OXOCAL] §2.2.4.10). */
const ATTENDEE_KIND = { required: 'to', optional: 'cc', resource: 'bcc' } as const;

function attendeeValues(r: MessageRecord, kind: RecipientKind): string[] {
  const out: string[] = [];
  for (const a of r.appointment?.attendees ?? []) {
    if (ATTENDEE_KIND[a.role ?? 'required'] === kind) out.push(...[a.name, a.address].filter((v): v is string => !!v));
  }
  return out;
}

/** The text of an item kind's own fields that a person would search for (the body field holds it). */
function itemKindValues(r: MessageRecord): Array<string | undefined> {
  const out: Array<string | undefined> = [r.appointment?.location, r.task?.owner];
  const c = r.contact;
  if (c !== undefined) {
    out.push(
      c.displayName,
      c.fileAs,
      c.givenName,
      c.middleName,
      c.surname,
      c.nickname,
      c.company,
      c.department,
      c.jobTitle,
      c.webPage,
    );
    for (const e of c.emails ?? []) out.push(e.address, e.displayName);
    for (const p of c.phones ?? []) out.push(p.number);
    for (const a of c.addresses ?? []) out.push(a.street, a.city, a.region, a.postalCode, a.country, a.poBox);
  }
  for (const m of r.distributionList?.members ?? []) out.push(m.name, m.address);
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
const TEXT_EXTENSIONS = new Set([
  'txt',
  'text',
  'csv',
  'tsv',
  'log',
  'md',
  'json',
  'xml',
  'htm',
  'html',
  'xhtml',
  'ics',
  'vcf',
  'yaml',
  'yml',
  'ini',
  'sql',
]);

/** The MIME type (lower case, without parameters) and the `charset` parameter of a Content-Type value. */
function parseContentType(value: string | undefined): { type: string; charset: string | undefined } {
  if (!value) return { type: '', charset: undefined };
  const parts = value.split(';');
  const type = (parts[0] ?? '').trim().toLowerCase();
  let charset: string | undefined;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === 'charset')
      charset = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
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
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+xml') || type.endsWith('+json'))
    return 'text';
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
async function collectAttachmentText(
  attachments: readonly Attachment[],
  limits: AttachmentScanLimits,
  depth: number,
): Promise<string[]> {
  const texts: string[] = [];
  for (const a of attachments) {
    if (a.kind === 'file') {
      const kind = textKind(a);
      if (kind !== 'none' && limits.maxBytesPerAttachment > 0)
        texts.push(await readAttachmentText(a, kind, limits.maxBytesPerAttachment));
    } else if (depth <= limits.maxDepth) {
      const m = a.message;
      texts.push(m.subject, m.body ?? '', m.html === undefined ? '' : htmlToText(m.html));
      for (const inner of m.attachments ?? []) texts.push(inner.name);
      texts.push(...(await collectAttachmentText(m.attachments ?? [], limits, depth + 1)));
    }
  }
  return texts;
}
