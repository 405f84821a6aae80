/**
 * The keyword filter of `exportToPst`: compile a query once, ask it about each message.
 */
import type { MessageRecord } from '@pstream/pst';
import type { AllNode, DateNode, HasAttachmentsNode, QueryField, QueryNode, TermNode, TextField } from './query-ast.js';
import { parseQuery } from './query-parser.js';
import { hasVisibleAttachments, RecordText } from './record-text.js';
import { WordSearch } from './word-search.js';

export interface KeywordQueryOptions {
  /**
   * Also search the text of attachments (text-like types: `text/*`, JSON, XML, HTML as visible text, and
   * well-known text file extensions) and of attached messages. Off by default, as in Veeam's export filter.
   */
  readonly searchAttachmentContents?: boolean;
  /** Bytes read from each attachment when `searchAttachmentContents` is on; 1 MiB by default. */
  readonly attachmentContentMaxBytes?: number;
  /** Also search the raw transport headers (undecoded). Off by default. */
  readonly searchHeaders?: boolean;
}

/** A compiled keyword query. */
export interface KeywordQuery {
  /** The query text as given. */
  readonly text: string;
  /** True for the empty query, which selects every message. */
  readonly selectsAll: boolean;
  /** The parsed query. */
  readonly tree: QueryNode;
  /**
   * Whether the message matches. Asynchronous because the optional attachment scan reads attachment bytes;
   * rejects when reading an attachment fails.
   */
  matches(record: MessageRecord): Promise<boolean>;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Compiles a keyword query. Rules:
 * - Terms separated by spaces must all match (AND); upper-case `OR` and `NOT` and parentheses combine them,
 *   with NOT binding tighter than AND, and AND tighter than OR. `AND` may be written out.
 * - A term matches the words that start with it, case-insensitively after NFKC and case folding:
 *   `support` matches "Support" and "supporting", not "unsupported". Words are runs of letters, digits and
 *   marks; CJK and other scripts without spaces count one character as a word, so a term in them matches as a
 *   substring. A term with punctuation (`e-mail`, `bob@example.com`) is the sequence of its words.
 * - `"quoted words"` match as an exact phrase of whole words; a trailing `*` (`"ticket supp"*` or
 *   `"ticket supp*"`, or `supp*`) makes the last word a prefix.
 * - Without a field, a term is looked for in the subject, the author/sender and recipients (names and
 *   addresses), the text body, the visible text of the HTML body and attachment file names (plus the options'
 *   extra fields). `subject:`, `from:`, `to:`, `cc:`, `bcc:`, `participants:`, `body:`, `attachment:` restrict
 *   a term or a parenthesised group to one field.
 * - `hasattachments:true|false` (inline images in the body do not count); `received>=YYYY-MM-DD`,
 *   `received<YYYY-MM-DD`, also `>`, `<=`, `:` (that day) and `:A..B` (UTC days; against `receivedAt`, else
 *   `sentAt`); `sent…` against `sentAt`.
 * - The empty query selects everything. A malformed query throws `QueryError` with the position.
 */
export function compileQuery(text: string, options: KeywordQueryOptions = {}): KeywordQuery {
  const tree = parseQuery(text);
  return new CompiledQuery(text, tree, options);
}

const YES = Promise.resolve(true);
const NO = Promise.resolve(false);

class CompiledQuery implements KeywordQuery {
  readonly selectsAll: boolean;
  private readonly contents: boolean;
  private readonly headers: boolean;
  private readonly maxBytes: number;
  /** The compiled search of each one-word term. */
  private readonly searches = new Map<TermNode, WordSearch>();

  constructor(
    readonly text: string,
    readonly tree: QueryNode,
    options: KeywordQueryOptions,
  ) {
    this.selectsAll = tree.kind === 'all';
    this.contents = options.searchAttachmentContents === true;
    this.headers = options.searchHeaders === true;
    this.maxBytes = options.attachmentContentMaxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 0) {
      throw new RangeError(
        `attachmentContentMaxBytes must be a non-negative integer, got ${String(options.attachmentContentMaxBytes)}`,
      );
    }
    this.compileTerms(tree);
  }

  matches(record: MessageRecord): Promise<boolean> {
    if (this.selectsAll) return YES;
    const text = new RecordText(record, { maxBytesPerAttachment: this.maxBytes, maxDepth: 4 });
    if (this.contents) return this.evaluateAsync(this.tree, record, text);
    // Without attachment contents nothing needs I/O: evaluate at once.
    try {
      return this.evaluate(this.tree, record, text) ? YES : NO;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private compileTerms(node: QueryNode): void {
    switch (node.kind) {
      case 'and':
      case 'or':
        for (const item of node.items) this.compileTerms(item);
        break;
      case 'not':
        this.compileTerms(node.item);
        break;
      case 'term':
        if (node.words.length === 1) this.searches.set(node, new WordSearch(node.words[0] as string, node.prefix));
        break;
      default:
        break;
    }
  }

  /** Evaluates without attachment contents; stops as soon as the answer is known. */
  private evaluate(node: QueryNode, record: MessageRecord, text: RecordText): boolean {
    switch (node.kind) {
      case 'and':
        for (const item of node.items) if (!this.evaluate(item, record, text)) return false;
        return true;
      case 'or':
        for (const item of node.items) if (this.evaluate(item, record, text)) return true;
        return false;
      case 'not':
        return !this.evaluate(node.item, record, text);
      case 'term':
        return this.termInFields(node, text);
      default:
        return factMatches(node, record);
    }
  }

  /** Evaluates with attachment contents, which are read only for a term not found in the other fields. */
  private async evaluateAsync(node: QueryNode, record: MessageRecord, text: RecordText): Promise<boolean> {
    switch (node.kind) {
      case 'and':
        for (const item of node.items) if (!(await this.evaluateAsync(item, record, text))) return false;
        return true;
      case 'or':
        for (const item of node.items) if (await this.evaluateAsync(item, record, text)) return true;
        return false;
      case 'not':
        return !(await this.evaluateAsync(node.item, record, text));
      case 'term':
        if (this.termInFields(node, text)) return true;
        if (!this.fieldsOf(node.field).includes('attachment-content')) return false;
        return (await text.attachmentContent()).contains(node.words, node.prefix, this.searches.get(node));
      default:
        return factMatches(node, record);
    }
  }

  /** Looks for the term in its fields that need no I/O. */
  private termInFields(term: TermNode, text: RecordText): boolean {
    const search = this.searches.get(term);
    for (const f of this.fieldsOf(term.field)) {
      if (f !== 'attachment-content' && text.field(f).contains(term.words, term.prefix, search)) return true;
    }
    return false;
  }

  private fieldsOf(field: QueryField | undefined): readonly TextField[] {
    switch (field) {
      case undefined:
        return this.headers
          ? this.contents
            ? ALL_WITH_HEADERS_AND_CONTENT
            : ALL_WITH_HEADERS
          : this.contents
            ? ALL_WITH_CONTENT
            : ALL;
      case 'participants':
        return PARTICIPANTS;
      case 'attachment':
        return this.contents ? ATTACHMENT_NAMES_AND_CONTENT : ATTACHMENT_NAMES;
      default:
        return SINGLE[field];
    }
  }
}

const ALL: readonly TextField[] = ['subject', 'from', 'to', 'cc', 'bcc', 'body', 'attachment-names'];
const ALL_WITH_HEADERS: readonly TextField[] = [...ALL, 'headers'];
const ALL_WITH_CONTENT: readonly TextField[] = [...ALL, 'attachment-content'];
const ALL_WITH_HEADERS_AND_CONTENT: readonly TextField[] = [...ALL, 'headers', 'attachment-content'];
const PARTICIPANTS: readonly TextField[] = ['from', 'to', 'cc', 'bcc'];
const ATTACHMENT_NAMES: readonly TextField[] = ['attachment-names'];
const ATTACHMENT_NAMES_AND_CONTENT: readonly TextField[] = ['attachment-names', 'attachment-content'];
const SINGLE: Readonly<Record<Exclude<QueryField, 'participants' | 'attachment'>, readonly TextField[]>> = {
  subject: ['subject'],
  from: ['from'],
  to: ['to'],
  cc: ['cc'],
  bcc: ['bcc'],
  body: ['body'],
};

/** A node that tests a fact of the message rather than its text. */
function factMatches(node: HasAttachmentsNode | DateNode | AllNode, record: MessageRecord): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'has-attachments':
      return hasVisibleAttachments(record) === node.value;
    case 'date': {
      const date = node.field === 'received' ? (record.receivedAt ?? record.sentAt) : record.sentAt;
      const t = date?.getTime();
      if (t === undefined || Number.isNaN(t)) return false;
      return (node.fromMs === undefined || t >= node.fromMs) && (node.beforeMs === undefined || t < node.beforeMs);
    }
  }
}
