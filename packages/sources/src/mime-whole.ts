/**
 * A message held whole in memory, read into what mailparser's streaming `MailParser` gives for it — the same header
 * lines, header map (of the fields asked for), text and HTML, attachments with their metadata and decoded bytes —
 * without streams. mailparser
 * over a whole message spends most of its time on its machinery rather than on the message: a `Transform` per
 * part, a `setImmediate` per splitter chunk and per attachment, a byte-by-byte line scan. Here the lines are found
 * with `indexOf`, and every decision is taken by the code mailparser itself runs: mailsplit's `MimeNode` parses each
 * part's header block (content type, charset, transfer encoding, disposition, file name, part number),
 * `MailParser.prototype.processHeaders` builds the header map, and libbase64, libqp and libmime's charset tables
 * decode the bodies. What is written here follows the rest: the order of events that mailsplit's `Splitter`
 * produces from one chunk (which is how `MailParser` receives a message written to it whole), with its line states,
 * its delimiter matching and where a part's body ends, and how `MailParser` places the parts and assembles text and
 * HTML from them. `test/mime-whole.test.ts` compares both readings over real corpora.
 */

import mailsplit from '@zone-eu/mailsplit';
import libbase64 from 'libbase64';
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import libqp from 'libqp';
import type { HeaderLines, Headers, MailParser } from 'mailparser';
import { MailParser as MailParserClass } from 'mailparser';

type MimeNode = InstanceType<typeof mailsplit.MimeNode>;

export interface WholeMimeOptions {
  /** The limits of mailsplit's `Splitter`, as `MailParser` passes them (`maxHeadSize`, `maxChildNodes`). */
  readonly headerBytes: number;
  readonly parts: number;
  /**
   * The fields (lower-case names) of the message's own header block that its header map is built from; the map
   * holds what `MailParser`'s holds for them, and nothing else. Every entry of that map comes from the lines of
   * its own names (`priority` from `priority`, `x-priority`, `x-msmail-priority` and `importance`), so leaving the
   * other lines out changes none of these, and spares decoding the fields nobody reads. The raw lines are all kept.
   */
  readonly headerKeys: ReadonlySet<string>;
}

/** A part's header map serves its Content-ID only (which every map keeps: a message may be an attachment). */
const PART_HEADER_KEYS: ReadonlySet<string> = new Set();

/** What `MailParser` emits for an attachment, the content read whole. */
export interface WholeAttachment {
  readonly contentType: string;
  readonly partId: string | null;
  readonly contentDisposition?: string;
  readonly filename?: string;
  readonly contentId?: string;
  readonly cid?: string;
  readonly related?: true;
  readonly content: Buffer;
}

/** What `MailParser` emits for a message: the root's headers, its text, its attachments in order. */
export interface WholeMime {
  readonly headers: Headers | undefined;
  readonly headerLines: HeaderLines;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: readonly WholeAttachment[];
}

/** A limit of the splitter, as mailsplit reports it (`code` EMAXLEN). */
function maxLenError(message: string): Error {
  return Object.assign(new Error(message), { code: 'EMAXLEN' });
}

/** `processHeaders` of mailparser's `MailParser`, marked internal (not in its typings); checked for at first use. */
interface HeaderProcessor {
  processHeaders(lines: HeaderLines): Headers;
}

let headerProcessor: HeaderProcessor | undefined;

/**
 * One `MailParser` whose `processHeaders` builds every header map: the method reads nothing of its instance but
 * its libmime and its address formatters. Address headers carry an HTML and a text rendering that no record uses;
 * the instance's formatters skip them (the `html` and `text` of an address header are empty).
 */
function processor(): HeaderProcessor {
  if (headerProcessor !== undefined) return headerProcessor;
  const parser = new MailParserClass() as MailParser & Partial<HeaderProcessor>;
  if (typeof parser.processHeaders !== 'function') {
    throw new Error('mailparser has no MailParser.prototype.processHeaders: whole-message parsing is unavailable');
  }
  parser.getAddressesHTML = () => '';
  parser.getAddressesText = () => '';
  headerProcessor = parser as HeaderProcessor;
  return headerProcessor;
}

/** A part as `MailParser` places it (its `createNode`): its parent is found from the last part placed. */
interface TreeNode {
  readonly node: MimeNode;
  readonly contentType: string | false;
  readonly headers: Headers;
  readonly headerLines: HeaderLines;
  parent?: TreeNode;
  readonly children: TreeNode[];
  /** Leaf parts: `inline` or `attachment`, as `MailParser` settles it. */
  disposition?: string;
  isAttachment?: boolean;
  /** Body bytes [start, end) in the message; undefined while no body line came. */
  start?: number;
  end?: number;
  /** The part's body is complete (a delimiter or the end of the input followed it). */
  ended: boolean;
  textContent?: string;
}

const TEXT_TYPES = ['text/plain', 'text/html', 'message/delivery-status'];
const HEAD = 1;
const BODY = 2;
/** mailsplit's bound on what may follow `--boundary` on a delimiter line (`--`, white space, CRLF). */
const BOUNDARY_LINE_SUFFIX = 2 + 2 + 998 + 2;

/**
 * Whether `line` from `start` is `--boundary` (1) or `--boundary--` (2), optionally followed by spaces or tabs,
 * then any run of CR and one LF; a bare `--boundary` without its line end is no delimiter.
 */
function compareBoundary(line: Buffer, start: number, boundary: Buffer): 1 | 2 | false {
  if (line.length < boundary.length + 3 + start || line.length > boundary.length + BOUNDARY_LINE_SUFFIX + start) {
    return false;
  }
  for (let i = 0; i < boundary.length; i++) if (line[i + 2 + start] !== boundary[i]) return false;
  let i = boundary.length + 2 + start;
  let result: 1 | 2 = 1;
  if (line[i] === 0x2d) {
    if (line[i + 1] !== 0x2d) return false;
    result = 2;
    i += 2;
  }
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++;
  if (i === line.length) return result === 2 ? 2 : false;
  while (i < line.length && line[i] === 0x0d) i++;
  if (i < line.length && line[i] === 0x0a) i++;
  return i === line.length ? result : false;
}

/** Splits a whole message the way mailsplit's `Splitter` does, and reads each part as `MailParser` does. */
class WholeReader {
  readonly #message: Buffer;
  readonly #limits: WholeMimeOptions;
  #node!: MimeNode;
  #state = HEAD;
  #inEpilogue = false;
  #delimiterOwner: MimeNode | false = false;
  #nodeCounter = 0;
  /** The splitter's part whose body lines are being collected, with where they started. */
  #bodyNode: MimeNode | undefined;
  #bodyStart = 0;
  #bodyEnd = 0;

  // MailParser's side
  #tree: TreeNode | undefined;
  #current: TreeNode | undefined;
  readonly #attachmentNodes: TreeNode[] = [];
  #hasText = false;
  #hasHtml = false;

  constructor(message: Buffer, limits: WholeMimeOptions) {
    this.#message = message;
    this.#limits = limits;
    this.#newNode(false);
  }

  read(): WholeMime {
    const m = this.#message;
    let pos = 0;
    for (let nl = m.indexOf(10, pos); nl >= 0; nl = m.indexOf(10, pos)) {
      this.#line(pos, nl + 1, false);
      pos = nl + 1;
    }
    // The splitter holds back the line end of a child part's body at the end of its input: it belongs to the
    // delimiter if the last line turns out to be one. The last line (unterminated, or empty) then carries it.
    let finalStart = pos;
    if (this.#trimsLineEnd(pos)) {
      finalStart = this.#trimmedEnd(pos);
      this.#bodyEnd = finalStart;
    }
    this.#line(finalStart, m.length, true);
    this.#endBody();
    return this.#result();
  }

  /** Whether the body being collected is a child part's and ends at `at`: its last line end is the delimiter's. */
  #trimsLineEnd(at: number): boolean {
    const node = this.#bodyNode;
    return node !== undefined && node.parentNode !== false && this.#bodyEnd === at && at > this.#bodyStart;
  }

  /** `at` less one line end (LF or CRLF) in front of it, within the body being collected. */
  #trimmedEnd(at: number): number {
    let end = at;
    if (this.#message[end - 1] === 0x0a) {
      end--;
      if (end > this.#bodyStart && this.#message[end - 1] === 0x0d) end--;
    }
    return end;
  }

  #newNode(parent: MimeNode | false): void {
    this.#node = new mailsplit.MimeNode(parent, {});
    this.#state = HEAD;
    this.#nodeCounter++;
    this.#inEpilogue = false;
  }

  #checkBoundary(line: Buffer): 1 | 2 | 3 | 4 | false {
    let start = 0;
    if (line.length >= 1 && (line[0] === 0x0d || line[0] === 0x0a)) {
      start++;
      if (line.length >= 2 && line[0] === 0x0d && line[1] === 0x0a) start++;
    }
    if (line.length < 4 || line[start] !== 0x2d || line[start + 1] !== 0x2d) return false;
    const own = this.#node._boundary;
    if (!this.#inEpilogue && own) {
      const boundary = compareBoundary(line, start, own);
      if (boundary) return boundary;
    }
    for (let owner = this.#node._parentBoundaryOwner; owner; owner = owner._parentBoundaryOwner) {
      const boundary = owner._boundary ? compareBoundary(line, start, owner._boundary) : false;
      if (boundary) {
        this.#delimiterOwner = owner;
        return (boundary + 2) as 3 | 4;
      }
    }
    return false;
  }

  /** Whether [start, end) opens as `#checkBoundary` needs a delimiter line to: `--`, after at most one line end. */
  #mayDelimit(start: number, end: number): boolean {
    if (end - start < 4) return false;
    const m = this.#message;
    let at = start;
    if (m[at] === 0x0d || m[at] === 0x0a) {
      at++;
      if (m[start] === 0x0d && m[start + 1] === 0x0a) at++;
    }
    return m[at] === 0x2d && m[at + 1] === 0x2d;
  }

  /** One line, [start, end) of the message (its LF included unless it is the last, `final` one). */
  #line(start: number, end: number, final: boolean): void {
    if (this.#nodeCounter > this.#limits.parts) throw maxLenError('Max allowed child nodes exceeded');
    if (this.#state === BODY && !this.#mayDelimit(start, end)) {
      // Most lines: body text, without a view made of each.
      if (this.#node.multipart) this.#endBody();
      else if (end > start) this.#bodyLine(start, end);
      return;
    }
    const line = this.#message.subarray(start, end);
    const boundary = this.#checkBoundary(line);
    if (boundary) {
      // A delimiter line ends the body before it, less the line end in front of it for a child part (which the
      // last line already carries, when it is the one). The splitter keeps a body that is one bare line end whole
      // in front of a delimiter that opens a part (it has nothing left to cut it to), and drops it in front of a
      // closing one.
      if (!final && this.#trimsLineEnd(start)) {
        const end = this.#trimmedEnd(start);
        if (end > this.#bodyStart || boundary === 2 || boundary === 4) this.#bodyEnd = end;
      }
      switch (boundary) {
        case 1:
          this.#newNode(this.#node);
          break;
        case 3:
          this.#newNode(this.#delimiterOwner);
          break;
        case 4: {
          if (this.#node._headerlen && !this.#node.headers) {
            this.#node.parseHeaders();
            this.#emitNode(this.#node);
          }
          if (this.#delimiterOwner) {
            this.#node = this.#delimiterOwner;
            this.#inEpilogue = true;
          }
          this.#state = BODY;
          break;
        }
      }
      this.#endBody();
      return;
    }
    if (this.#state === HEAD) {
      const endsBlock = this.#node.addHeaderChunk(line);
      if (this.#node.headerCost() > this.#limits.headerBytes) {
        throw maxLenError('Max header size for a MIME node exceeded');
      }
      if (final || endsBlock) {
        const node = this.#node;
        node.parseHeaders();
        if (node.contentType === 'message/rfc822') node.messageNode = false;
        this.#state = BODY;
        this.#emitNode(node);
      }
      return;
    }
    if (this.#node.multipart) {
      // Preamble and epilogue: 'data' to MailParser, which ends the body being written.
      this.#endBody();
      return;
    }
    if (line.length === 0) return;
    this.#bodyLine(start, end);
  }

  /** A body line of the splitter's current part: written to MailParser's current part while its body is open. */
  #bodyLine(start: number, end: number): void {
    if (this.#bodyNode !== this.#node) return;
    const part = this.#current;
    if (part === undefined || part.ended || part.isAttachment === undefined) return;
    if (part.start === undefined) {
      part.start = start;
      this.#bodyStart = start;
    }
    part.end = end;
    this.#bodyEnd = end;
  }

  /** 'data' to MailParser: the current part's decoder ends. */
  #endBody(): void {
    const part = this.#current;
    if (part !== undefined && !part.ended && part.isAttachment !== undefined) {
      if (part.start !== undefined && this.#bodyNode === part.node) part.end = this.#bodyEnd;
      part.ended = true;
      if (!part.isAttachment) part.textContent = this.#text(part);
    }
    this.#bodyNode = undefined;
  }

  /** MailParser's `createNode` and the 'node' case of its `processChunk`. */
  #emitNode(node: MimeNode): void {
    this.#endBody();
    let contentType = node.contentType;
    if (!contentType && node.root) contentType = 'text/plain';
    const headerList = (node.headers as InstanceType<typeof mailsplit.Headers>).getList();
    const keys = this.#tree === undefined ? this.#limits.headerKeys : PART_HEADER_KEYS;
    const part: TreeNode = {
      node,
      contentType,
      headers: processor().processHeaders(headerList.filter((l) => l.key === 'content-id' || keys.has(l.key))),
      headerLines: (node.headers as InstanceType<typeof mailsplit.Headers>).lines as HeaderLines,
      children: [],
      ended: false,
    };
    if (!/^multipart\//i.test(String(contentType))) {
      let disposition = node.disposition;
      if (disposition && !['attachment', 'inline'].includes(disposition)) disposition = 'attachment';
      part.disposition =
        !disposition && !TEXT_TYPES.includes(contentType as string) ? 'attachment' : disposition || 'inline';
      part.isAttachment = !TEXT_TYPES.includes(contentType as string) || part.disposition !== 'inline';
    }
    this.#place(part, node);
    if (part.isAttachment === true) {
      this.#attachmentNodes.push(part);
    } else if (part.disposition === 'inline') {
      if (contentType === 'text/plain' || contentType === 'message/delivery-status') this.#hasText = true;
      else if (contentType === 'text/html') this.#hasHtml = true;
    }
    if (part.isAttachment !== undefined) {
      this.#bodyNode = node;
      this.#bodyStart = -1;
      this.#bodyEnd = -1;
    }
  }

  /** Where MailParser's `createNode` hangs a part, found from the part placed before it. */
  #place(part: TreeNode, node: MimeNode): void {
    const current = this.#current;
    if (this.#tree === undefined || current === undefined) {
      this.#tree = part;
    } else if (current.parent === undefined) {
      part.parent = current;
    } else if (current.parent.node === node.parentNode) {
      part.parent = current.parent;
    } else if (current.node === node.parentNode) {
      part.parent = current;
    } else {
      for (let p: TreeNode | undefined = current.parent; p !== undefined; p = p.parent) {
        if (p.node === node.parentNode) {
          part.parent = p;
          break;
        }
      }
    }
    part.parent?.children.push(part);
    this.#current = part;
  }

  #bytes(part: TreeNode): Buffer {
    if (part.start === undefined || part.end === undefined) return Buffer.alloc(0);
    const raw = this.#message.subarray(part.start, part.end);
    switch (part.node.encoding) {
      case 'base64':
        return decodeBase64(raw);
      case 'quoted-printable':
        return libqp.decode(raw);
      default:
        return raw;
    }
  }

  /** The text of an inline part as MailParser collects it: flowed text joined, the charset decoded, LF line ends. */
  #text(part: TreeNode): string {
    let bytes = this.#bytes(part);
    if (bytes.length === 0) return '';
    const node = part.node;
    if (node.flowed) bytes = Buffer.from(libmime.decodeFlowed(bytes.toString('binary'), node.delSp), 'binary');
    const charset = node.charset || 'utf-8';
    let text: string;
    if (['ascii', 'usascii', 'utf8'].includes(charset.toLowerCase().replace(/[^a-z0-9]+/g, ''))) {
      text = bytes.toString();
    } else {
      // A lone surrogate cannot survive the decoder stream's UTF-8 output: it is U+FFFD there.
      text = decodeCharset(bytes, charset).toWellFormed();
    }
    return text.includes('\r') ? text.replace(/\r?\n/g, '\n') : text;
  }

  #attachment(part: TreeNode): WholeAttachment {
    const node = part.node;
    const bytes = this.#bytes(part);
    let contentType = part.contentType as string;
    if (part.contentType === 'application/octet-stream' && node.filename) {
      contentType = libmime.detectMimeType(node.filename) || 'application/octet-stream';
    }
    const partId = node._parentBoundary
      ? (node.partNr || []).filter((nr): nr is number => typeof nr === 'number').join('.') || null
      : null;
    let contentId: string | undefined;
    let cid: string | undefined;
    let related = false;
    if (part.headers.has('content-id')) {
      contentId = ([] as unknown[]).concat(part.headers.get('content-id') ?? []).shift() as string;
      cid = contentId.trim().replace(/^<|>$/g, '').trim();
      for (let p: TreeNode | undefined = part.parent; p !== undefined; p = p.parent)
        if (p.contentType === 'multipart/related') related = true;
    }
    return {
      contentType,
      partId,
      ...(node.disposition ? { contentDisposition: node.disposition } : {}),
      ...(node.filename ? { filename: node.filename } : {}),
      ...(contentId !== undefined ? { contentId, cid } : {}),
      ...(related ? { related: true as const } : {}),
      // Bytes not decoded are a view of the message: copied, so that the message is not kept for them.
      content:
        part.node.encoding === 'base64' || part.node.encoding === 'quoted-printable' ? bytes : Buffer.from(bytes),
    };
  }

  /** MailParser's `getTextContent` (with `skipHtmlToText` and `skipTextToHtml`), and the attachments. */
  #result(): WholeMime {
    const text: string[] = [];
    const html: string[] = [];
    const visit = (alternative: boolean, part: TreeNode): void => {
      const content = part.textContent;
      if (content) {
        if (part.contentType === 'text/plain' || part.contentType === 'message/delivery-status') {
          text.push(content);
          if (!alternative && this.#hasHtml) html.push('');
        } else if (part.contentType === 'text/html') {
          if ((!alternative && this.#hasText) || (part === this.#tree && !this.#hasText)) text.push('');
          html.push(content);
        }
      }
      const inAlternative = alternative || part.contentType === 'multipart/alternative';
      for (const child of part.children) visit(inAlternative, child);
    };
    if (this.#tree !== undefined) visit(false, this.#tree);
    return {
      headers: this.#tree?.headers,
      headerLines: this.#tree?.headerLines ?? [],
      ...(text.length ? { text: text.join('\n') } : {}),
      ...(html.length ? { html: html.join('<br/>\n') } : {}),
      attachments: this.#attachmentNodes.map((p) => this.#attachment(p)),
    };
  }
}

/**
 * libbase64's `Decoder` given the body as one chunk: everything but the alphabet and `=` dropped, complete
 * quartets (and whatever ends in padding) decoded, then what is left over. Node's own decoder reads a body of
 * the alphabet and line breaks the same way when no `=` comes before its end; such a body (nearly every one) is
 * decoded a slice at a time into one buffer, so that no string of the whole body is made.
 */
function decodeBase64(raw: Buffer): Buffer {
  const plain = plainBase64(raw);
  if (plain !== undefined) {
    const out = Buffer.allocUnsafe(Math.ceil((plain.letters * 3) / 4));
    let written = 0;
    for (let k = 0; k + 1 < plain.cuts.length; k++) {
      written += out.write(raw.toString('latin1', plain.cuts[k], plain.cuts[k + 1]), written, 'base64');
    }
    return out.subarray(0, written);
  }
  let b64 = raw.toString('latin1').replace(/[^a-zA-Z0-9+/=]/g, '');
  let padded = '';
  const lastPad = b64.lastIndexOf('=');
  if (lastPad >= 0) {
    padded = b64.slice(0, lastPad + 1);
    b64 = b64.slice(lastPad + 1);
  }
  let rest = '';
  if (b64.length < 4) {
    rest = b64;
    b64 = '';
  } else if (b64.length % 4) {
    rest = b64.slice(-(b64.length % 4));
    b64 = b64.slice(0, b64.length - rest.length);
  }
  const head = padded + b64 ? libbase64.decode(padded + b64) : Buffer.alloc(0);
  return rest ? Buffer.concat([head, libbase64.decode(rest)]) : head;
}

/**
 * Characters of a base64 body decoded at a time (the length of each slice's string), about: small enough for the
 * string to be a young object, which a scavenge frees (a string of a MB or more is allocated among the large
 * objects, which only a full collection frees, and a worker's heap grew by a hundred MB of them).
 */
const BASE64_SLICE = 64 * 1024;

/**
 * A body of only the base64 alphabet and CR, LF, with `=` only in a padding run at the very end: how many letters
 * it holds, and where to cut it into slices that each hold whole quartets (but the last); undefined for any other.
 */
function plainBase64(raw: Buffer): { letters: number; cuts: number[] } | undefined {
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
  let pads = 0;
  while (end > 0 && raw[end - 1] === 0x3d && pads < 2) {
    end--;
    pads++;
  }
  const cuts = [0];
  let letters = 0;
  let sliceStart = 0;
  for (let i = 0; i < end; i++) {
    const kind = BASE64_CHAR[raw[i] as number];
    if (kind === 0) return undefined;
    if (kind === LETTER) {
      letters++;
      if ((letters & 3) === 0 && i + 1 - sliceStart >= BASE64_SLICE) {
        sliceStart = i + 1;
        cuts.push(sliceStart);
      }
    }
  }
  for (let i = end + pads; i < raw.length; i++) if (raw[i] !== 0x0a && raw[i] !== 0x0d) return undefined;
  cuts.push(raw.length);
  return { letters, cuts };
}

const LETTER = 1;
const LINE_END = 2;
/** `LETTER` for the base64 alphabet, `LINE_END` for CR and LF, 0 for any other byte. */
const BASE64_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  BASE64_CHAR[c.charCodeAt(0)] = LETTER;
BASE64_CHAR[0x0a] = LINE_END;
BASE64_CHAR[0x0d] = LINE_END;

/**
 * Reads a message held whole, as `MailParser` (options of `parseMime`) reads it written to it in one piece.
 * Throws an error with `code` EMAXLEN when a limit is exceeded, as the splitter does.
 */
export function readWholeMime(message: Buffer, limits: WholeMimeOptions): WholeMime {
  return new WholeReader(message, limits).read();
}
