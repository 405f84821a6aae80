/**
 * Parses one RFC 5322 / MIME message into a `MessageRecord`: headers decoded (RFC 2047, RFC 2231), bodies decoded
 * from any charset iconv-lite knows, multipart/alternative split into text and HTML, attachments spooled (see
 * `SpoolGroup`) and `message/rfc822` parts parsed again into embedded messages. A message given whole is read by
 * `readWholeMime`, a stream by mailparser's streaming `MailParser`; both give the same record.
 */

import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Attachment, FileAttachment, MessageRecord } from '@pstream/pst';
import type { AttachmentStream, HeaderLines, Headers, MessageText } from 'mailparser';
import { MimeDamageError } from './errors.js';
import { headerBlockEnd, holdsForHeader, withUtf8Header } from './header-charset.js';
import * as h from './mime-headers.js';
import type { SpooledBytes, SpoolGroup } from './spool.js';

/**
 * Messages up to this size are read into memory and parsed whole (`readWholeMime`: no stream machinery, bodies
 * decoded in one piece); larger ones stream through mailparser, in memory bounded whatever their size. A message
 * read whole holds about twice its size at the peak (its bytes and the decoded attachment).
 */
export const WHOLE_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Embedded messages nested deeper than this are kept as `message/rfc822` file attachments. */
export const MAX_EMBEDDING_DEPTH = 16;

/**
 * What one message may hold before it is refused as damaged (hostile or broken input): these bound the memory
 * the parser needs, whatever the input. Bodies and attachments are streamed and have no limit here.
 */
export const MIME_LIMITS = {
  /** Header bytes of one MIME entity (the message's own header block, or a part's). */
  headerBytes: 1024 * 1024,
  /** MIME entities in one message (every part, multiparts included, at any nesting depth). */
  parts: 1000,
} as const;

export interface MimeParseOptions {
  /** Where attachment bytes are spooled; disposing the group releases them. */
  readonly spool: SpoolGroup;
  /**
   * Fail with a `MimeDamageError` when the top-level multipart's closing delimiter (`--boundary--`) is
   * missing: the message was cut off. Used for the last message of an mbox.
   */
  readonly requireClosingBoundary?: boolean;
  /** Nesting depth of this message (0 for a top-level one). */
  readonly depth?: number;
}

/** What the envelope line (`From sender date`) in front of a message said, if there was one. */
export interface MboxEnvelope {
  readonly sender: string;
  readonly date?: Date;
}

export interface ParsedMime {
  readonly record: MessageRecord;
  /** Bytes read from the input: the size of the message as stored. */
  readonly size: number;
  readonly envelope?: MboxEnvelope;
}

const ENVELOPE = /^From (\S*) +(.*?)\r?$/;

/** Parses an mbox envelope line (`From addr date`); undefined when the line is not one. */
export function parseEnvelopeLine(line: string): MboxEnvelope | undefined {
  const m = ENVELOPE.exec(line);
  if (m === null) return undefined;
  const rest = (m[2] ?? '').trim();
  // asctime-style date: "Mon Aug 26 15:45:14 2002", possibly followed by a zone or "remote from …".
  const dm = /([A-Z][a-z]{2}) +(\d{1,2}) +(\d{1,2}:\d{2}(?::\d{2})?) +(\d{4})/.exec(rest);
  const parsed = dm ? new Date(`${dm[1]} ${dm[2]} ${dm[4]} ${dm[3]} GMT`) : undefined;
  const date = parsed && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
  return { sender: m[1] ?? '', ...(date ? { date } : {}) };
}

/** A header field's first line: a well-formed field name, then a colon. */
const FIELD_LINE = /^[!-9;-~]+[ \t]*:/;
/** How far the start of a message is read to find its first line; a longer line is decided on what is there. */
const FIRST_LINE_BYTES = 4096;

/**
 * The message as a mail client reads it when its first line is odd: a header field indented by spaces or tabs
 * (nothing before it to continue) loses the indent; a first line that is no header field at all starts the
 * body (a message without a header block), as if an empty header block came first.
 */
function openMessage(message: Buffer): Buffer {
  const nl = message.indexOf(10);
  const line = message
    .subarray(0, nl < 0 ? message.length : nl)
    .toString('latin1')
    .replace(/\r$/, '');
  if (line === '') return message;
  const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
  if (FIELD_LINE.test(line.slice(indent))) return indent === 0 ? message : message.subarray(indent);
  const eol = nl > 0 && message[nl - 1] === 13 ? '\r\n' : '\n';
  return Buffer.concat([Buffer.from(eol, 'latin1'), message]);
}

/**
 * Passes the bytes through, dropping a leading mbox envelope line, reading an odd first line as a mail client
 * does (see `openMessage`), reading raw 8-bit header lines in their charset (see `withUtf8Header`), and watching
 * for closing delimiters.
 */
class Prelude {
  envelope: MboxEnvelope | undefined;
  /** Lines of the form `--token--`, as candidates for the closing delimiter of the top-level multipart. */
  readonly closingLines = new Set<string>();
  bytes = 0;

  async *filter(input: AsyncIterable<Uint8Array>, watchBoundaries: boolean): AsyncGenerator<Buffer> {
    let first = true;
    const start = new GrowingBuffer();
    let carry = '';
    for await (const raw of input) {
      let chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      this.bytes += chunk.length;
      if (first) {
        const head = start.append(chunk);
        const opened = this.#open(head, false);
        if (opened === undefined) continue;
        const end = headerBlockEnd(opened);
        if (holdsForHeader(opened, end, MIME_LIMITS.headerBytes)) continue;
        first = false;
        chunk = end < 0 ? opened : withUtf8Header(opened, end);
      }
      if (watchBoundaries) carry = this.#watch(carry, chunk);
      if (chunk.length > 0) yield chunk;
    }
    const head = start.bytes;
    if (first && head.length > 0) {
      const opened = this.#utf8Header(this.#open(head, true) ?? head);
      if (watchBoundaries) carry = this.#watch(carry, opened);
      yield opened;
    }
    if (watchBoundaries) this.#line(carry);
  }

  /** `filter` over a whole message at once: the bytes to parse. */
  whole(message: Buffer, watchBoundaries: boolean): Buffer {
    this.bytes = message.length;
    if (message.length === 0) return message;
    const opened = this.#utf8Header(this.#open(message, true) ?? message);
    if (watchBoundaries) this.#line(this.#watch('', opened));
    return opened;
  }

  /** A whole message (or all there is of it) with its header block read as UTF-8: see `withUtf8Header`. */
  #utf8Header(message: Buffer): Buffer {
    const end = headerBlockEnd(message);
    return withUtf8Header(message, end < 0 ? message.length : end);
  }

  /**
   * The start of the message once its first line (after an envelope line) is in `head`, the envelope taken off
   * and the first line read by `openMessage`; undefined while more bytes are needed (unless `final`).
   */
  #open(head: Buffer, final: boolean): Buffer | undefined {
    let start = 0;
    if (head.length < 5 && !final) return undefined;
    if (head.subarray(0, 5).toString('latin1') === 'From ') {
      const nl = head.indexOf(10);
      if (nl < 0 && head.length < FIRST_LINE_BYTES && !final) return undefined;
      start = nl < 0 ? head.length : nl + 1;
      this.envelope = parseEnvelopeLine(
        head
          .subarray(0, start)
          .toString('latin1')
          .replace(/\r?\n$/, ''),
      );
    }
    const rest = head.subarray(start);
    if (rest.indexOf(10) < 0 && rest.length < FIRST_LINE_BYTES && !final) return undefined;
    return rest.length === 0 ? rest : openMessage(rest);
  }

  #watch(carry: string, chunk: Buffer): string {
    const textChunk = carry + chunk.toString('latin1');
    const lines = textChunk.split('\n');
    const rest = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
    // A delimiter line is short; a long unfinished line cannot be one.
    return rest.length > 1000 ? `${rest.slice(0, 2)}x` : rest;
  }

  #line(line: string): void {
    const l = line.replace(/[\r \t]+$/, '');
    if (l.length > 4 && l.length < 200 && l.startsWith('--') && l.endsWith('--') && this.closingLines.size < 10_000) {
      this.closingLines.add(l);
    }
  }
}

/**
 * The start of a message as it arrives, in one buffer that doubles as it fills, so that holding a header block of up
 * to `MIME_LIMITS.headerBytes` copies each byte about twice instead of once per chunk.
 */
class GrowingBuffer {
  #buffer = Buffer.alloc(0);
  #length = 0;

  /** Appends `chunk`; returns everything so far (a view, valid until the next append). */
  append(chunk: Buffer): Buffer {
    if (this.#length + chunk.length > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.#buffer.length, this.#length + chunk.length, 64 * 1024));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length += chunk.length;
    return this.bytes;
  }

  get bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}

/** mailparser and the whole-message reader built on its parts, loaded on first use (about 27 MB of RSS that a process
 * reading no MIME never holds). */
let mimeModules: Promise<readonly [typeof import('mailparser'), typeof import('./mime-whole.js')]> | undefined;

function loadModules(): Promise<readonly [typeof import('mailparser'), typeof import('./mime-whole.js')]> {
  mimeModules ??= Promise.all([import('mailparser'), import('./mime-whole.js')]);
  return mimeModules;
}

/**
 * Loads mailparser now rather than at the first parse. Its modules (mailsplit, libmime, iconv-lite's tables) compile
 * and evaluate in one synchronous stretch of several tens of milliseconds that no yield can split: a server pays it
 * before it listens instead of holding its event loop in the middle of its first export.
 */
export async function loadMimeParser(): Promise<void> {
  await loadModules();
}

/** A part that is not text, as either reading gives it: its metadata, and its bytes (spooled, or whole). */
interface PartMeta {
  readonly contentType: string;
  readonly partId?: string | null | undefined;
  readonly filename?: string | undefined;
  readonly contentDisposition?: string | undefined;
  readonly cid?: string | undefined;
  readonly related?: boolean | undefined;
}

/** A file attachment; an embedded message, spooled (streamed reading) or held whole (whole reading). */
type Part =
  | { readonly kind: 'file' | 'message'; readonly meta: PartMeta; readonly bytes: SpooledBytes }
  | { readonly kind: 'message-whole'; readonly meta: PartMeta; readonly whole: Buffer };

/** What a reading of the message gives, before the record is built. */
interface ReadMessage {
  readonly headers: Headers | undefined;
  readonly headerLines: HeaderLines;
  readonly text?: string | undefined;
  readonly html?: string | undefined;
  readonly parts: readonly Part[];
}

/**
 * Parses one message from `input` (raw bytes, an optional mbox envelope line first): a stream of chunks, read by
 * mailparser's streaming `MailParser`, or the whole message in one buffer, read by `readWholeMime` into the same
 * result without stream machinery.
 */
export async function parseMime(
  input: AsyncIterable<Uint8Array> | Uint8Array,
  options: MimeParseOptions,
): Promise<ParsedMime> {
  const depth = options.depth ?? 0;
  const prelude = new Prelude();
  const [mailparser, whole] = await loadModules();
  const watch = options.requireClosingBoundary === true;
  let read: ReadMessage;
  try {
    read =
      input instanceof Uint8Array
        ? await readWhole(
            whole,
            prelude.whole(Buffer.from(input.buffer, input.byteOffset, input.byteLength), watch),
            options,
            depth,
          )
        : await readStream(mailparser, Readable.from(prelude.filter(input, watch)), options, depth);
  } catch (error) {
    throw limitError(error);
  }

  if (prelude.bytes === 0) throw new MimeDamageError('the message is empty');
  // A message without a header block (see `openMessage`) is all body.
  const headers = read.headers ?? (new Map() as Headers);
  if (options.requireClosingBoundary === true) {
    const { type, boundary } = contentType(headers);
    const isMultipart = type.startsWith('multipart/');
    if (isMultipart && boundary !== undefined && !prelude.closingLines.has(`--${boundary}--`)) {
      throw new MimeDamageError(`truncated: the closing delimiter --${boundary}-- of the multipart body is missing`);
    }
  }

  const attachments: Attachment[] = [];
  let index = 0;
  for (const part of read.parts) {
    index += 1;
    if (part.kind === 'file') {
      attachments.push(fileAttachment(part.meta, part.bytes, index));
    } else {
      const inner =
        part.kind === 'message-whole'
          ? await parseEmbeddedWhole(part.whole, options, depth + 1)
          : await parseEmbedded(part.bytes, options, depth + 1);
      attachments.push({
        kind: 'message',
        name: part.meta.filename === undefined ? inner.subject : h.singleLine(part.meta.filename),
        message: inner,
      });
    }
  }

  const record = buildRecord(headers, read.headerLines, read.text, read.html, attachments, prelude.envelope);
  return { record, size: prelude.bytes, ...(prelude.envelope ? { envelope: prelude.envelope } : {}) };
}

/** The fields whose parsed values `buildRecord` and `contentType` read (the rest come from the raw lines). */
const RECORD_HEADER_KEYS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'priority',
  'x-priority',
  'x-msmail-priority',
  'importance',
  'keywords',
  'x-keywords',
  'references',
  'message-id',
  'in-reply-to',
  'subject',
  'content-type',
]);

/** The whole message read by `readWholeMime`; attachments spooled, embedded messages kept whole to be parsed. */
async function readWhole(
  whole: typeof import('./mime-whole.js'),
  message: Buffer,
  options: MimeParseOptions,
  depth: number,
): Promise<ReadMessage> {
  const read = whole.readWholeMime(message, {
    headerBytes: MIME_LIMITS.headerBytes,
    parts: MIME_LIMITS.parts,
    headerKeys: RECORD_HEADER_KEYS,
  });
  const parts: Part[] = [];
  for (const a of read.attachments) {
    if (isMessageType(a.contentType) && depth < MAX_EMBEDDING_DEPTH) {
      parts.push({ kind: 'message-whole', meta: a, whole: a.content });
    } else {
      parts.push({ kind: 'file', meta: a, bytes: await options.spool.spoolBytes(a.content) });
    }
  }
  return { headers: read.headers, headerLines: read.headerLines, text: read.text, html: read.html, parts };
}

/** The message read by mailparser's streaming `MailParser`, attachments spooled as they stream. */
async function readStream(
  mailparser: typeof import('mailparser'),
  input: Readable,
  options: MimeParseOptions,
  depth: number,
): Promise<ReadMessage> {
  const parser = new mailparser.MailParser({
    ignoreEmbedded: true,
    checksumAlgo: false,
    skipTextToHtml: true,
    // An HTML-only message has no text body: mailparser's own html-to-text would write link targets into it,
    // which the keyword filter must not see.
    skipHtmlToText: true,
    skipImageLinks: true,
    maxHeadSize: MIME_LIMITS.headerBytes,
    maxChildNodes: MIME_LIMITS.parts,
  });
  let headers: Headers | undefined;
  let headerLines: HeaderLines = [];
  parser.on('headers', (v: Headers) => (headers = v));
  parser.on('headerLines', (v: HeaderLines) => (headerLines = v));
  const piping = pipeline(input, parser);
  // When the parser fails in the middle of an attachment (a limit of `MIME_LIMITS`, a read error), the content
  // stream being spooled would never end: fail it with the parser's error, so that nothing waits forever.
  let current: AttachmentStream | undefined;
  let failure: unknown;
  piping.catch((error: unknown) => {
    failure = error;
    current?.content.destroy(error instanceof Error ? error : new Error(String(error)));
  });

  const parts: Part[] = [];
  let textPart: MessageText | undefined;
  try {
    for await (const data of parser as AsyncIterable<AttachmentStream | MessageText>) {
      if (data.type === 'text') {
        textPart = data;
        continue;
      }
      current = data;
      try {
        if (failure !== undefined) throw failure;
        const bytes = await options.spool.spool(data.content);
        const embedded = isMessageType(data.contentType) && depth < MAX_EMBEDDING_DEPTH;
        parts.push({ kind: embedded ? 'message' : 'file', meta: data, bytes });
      } finally {
        current = undefined;
        data.release?.();
      }
    }
    await piping;
  } catch (error) {
    throw failure !== undefined ? failure : error;
  }
  return {
    headers,
    headerLines,
    text: textPart?.text,
    html: textPart?.html,
    parts,
  };
}

/** A parser limit turned into a damage report that says which limit it was; other errors as they are. */
function limitError(error: unknown): unknown {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== 'EMAXLEN') return error;
  if (/child nodes/i.test(error.message)) {
    return new MimeDamageError(
      `more than ${MIME_LIMITS.parts} MIME parts (parts nested or side by side); refused to keep memory bounded`,
      { cause: error },
    );
  }
  if (/header size/i.test(error.message)) {
    return new MimeDamageError(
      `a header block larger than ${MIME_LIMITS.headerBytes} bytes; refused to keep memory bounded`,
      { cause: error },
    );
  }
  return new MimeDamageError(`a MIME limit was exceeded (${error.message})`, { cause: error });
}

async function parseEmbedded(bytes: SpooledBytes, options: MimeParseOptions, depth: number): Promise<MessageRecord> {
  const source = await bytes.open();
  try {
    const inner = await parseMime(source, { spool: options.spool, depth });
    return inner.record;
  } catch (error) {
    if (!(error instanceof MimeDamageError)) throw error;
    // An unreadable embedded message is still a message attachment; keep what can be said about it.
    return { subject: '' };
  } finally {
    if (bytes.file !== undefined) await options.spool.release(bytes.file);
  }
}

async function parseEmbeddedWhole(bytes: Buffer, options: MimeParseOptions, depth: number): Promise<MessageRecord> {
  try {
    return (await parseMime(bytes, { spool: options.spool, depth })).record;
  } catch (error) {
    if (!(error instanceof MimeDamageError)) throw error;
    // An unreadable embedded message is still a message attachment; keep what can be said about it.
    return { subject: '' };
  }
}

/** The top-level content type and its boundary parameter. */
function contentType(headers: Headers): { type: string; boundary?: string } {
  const ct = headers.get('content-type');
  if (typeof ct !== 'object' || ct === null || Array.isArray(ct) || ct instanceof Date || !('params' in ct)) {
    return { type: 'text/plain' };
  }
  const params = ct.params as Readonly<Record<string, string | undefined>>;
  const boundary = params.boundary;
  return { type: String(ct.value).toLowerCase(), ...(boundary !== undefined ? { boundary } : {}) };
}

function isMessageType(contentType: string): boolean {
  const t = contentType.toLowerCase();
  return t === 'message/rfc822' || t === 'message/global';
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'text/plain': '.txt',
  'text/html': '.html',
  'text/calendar': '.ics',
  'application/pdf': '.pdf',
  'message/rfc822': '.eml',
  'message/delivery-status': '.txt',
};

function fileAttachment(meta: PartMeta, bytes: SpooledBytes, index: number): FileAttachment {
  const contentType = meta.contentType.toLowerCase();
  const name =
    (meta.filename === undefined ? '' : h.singleLine(meta.filename).trim()) ||
    `attachment-${meta.partId ?? index}${EXTENSIONS[contentType] ?? '.bin'}`;
  const isInline = meta.related === true || (meta.contentDisposition === 'inline' && meta.cid !== undefined);
  return {
    kind: 'file',
    name,
    contentType,
    ...(meta.cid ? { contentId: meta.cid } : {}),
    isInline,
    size: bytes.size,
    open: bytes.open,
  };
}

function buildRecord(
  headers: Headers,
  lines: HeaderLines,
  text: string | undefined,
  html: string | undefined,
  attachments: Attachment[],
  envelope: MboxEnvelope | undefined,
): MessageRecord {
  const from = h.mailboxes(headers.get('from'))[0];
  const senderField = h.mailboxes(headers.get('sender'))[0];
  const sender =
    senderField && senderField.address?.toLowerCase() !== from?.address?.toLowerCase() ? senderField : undefined;
  const recipients = h.recipients(headers);
  const sentAt = h.parseMailDate(h.rawValues(lines, 'date')[0]);
  const receivedAt = h.receivedDate(lines) ?? envelope?.date;
  const importance = h.importance(headers);
  const isRead = h.readState(lines);
  const categories = h.categories(headers);
  const references = h.references(headers);
  const internetMessageId = h.text(headers.get('message-id'));
  const inReplyTo = h.text(headers.get('in-reply-to'));
  const subject = typeof headers.get('subject') === 'string' ? h.singleLine(headers.get('subject') as string) : '';
  return {
    subject,
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    ...(recipients.length ? { recipients } : {}),
    ...(sentAt ? { sentAt } : {}),
    ...(receivedAt ? { receivedAt } : {}),
    ...(importance ? { importance } : {}),
    ...(isRead !== undefined ? { isRead } : {}),
    ...(internetMessageId ? { internetMessageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references ? { references } : {}),
    ...(lines.some((l) => l.line !== '') ? { transportHeaders: h.transportHeaders(lines) } : {}),
    ...(categories.length ? { categories } : {}),
    ...(text ? { body: text } : {}),
    ...(html !== undefined ? { html } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

/** Parses the message stored in a file. */
export function parseMimeFile(path: string, options: MimeParseOptions): Promise<ParsedMime> {
  return parseMime(createReadStream(path), options);
}
