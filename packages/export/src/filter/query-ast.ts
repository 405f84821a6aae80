/**
 * The parsed form of a keyword query.
 */

/**
 * Where a term is looked for.
 * - `subject`; `from` (author and sender, names and addresses); `to`, `cc`, `bcc` (recipients of that kind);
 * - `body`: the plain-text body and the visible text of the HTML body;
 * - `attachment-names`; `attachment-content` (text-like attachments and embedded messages, only on request);
 * - `headers`: the raw transport headers (only on request).
 */
export type TextField =
  | 'subject'
  | 'from'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'body'
  | 'attachment-names'
  | 'attachment-content'
  | 'headers';

/** A word or a phrase: consecutive words, all equal except the last, which may be a prefix. */
export interface TermNode {
  readonly kind: 'term';
  /** Folded words, at least one. */
  readonly words: readonly string[];
  /** The last word matches any word that starts with it. */
  readonly prefix: boolean;
  /** Restriction from `field:`; undefined = every default field. */
  readonly field: QueryField | undefined;
  /** Position of the term in the query text. */
  readonly position: number;
}

/** The `field:` names a query may use (lower case). */
export type QueryField = 'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'participants' | 'body' | 'attachment';

/** `hasattachments:true|false`. */
export interface HasAttachmentsNode {
  readonly kind: 'has-attachments';
  readonly value: boolean;
}

/** A date restriction: `fromMs <= date < beforeMs` (UTC milliseconds; either bound may be absent). */
export interface DateNode {
  readonly kind: 'date';
  /** `received` compares `receivedAt`, falling back to `sentAt`; `sent` compares `sentAt`. */
  readonly field: 'received' | 'sent';
  readonly fromMs: number | undefined;
  readonly beforeMs: number | undefined;
}

export interface AndNode {
  readonly kind: 'and';
  readonly items: readonly QueryNode[];
}

export interface OrNode {
  readonly kind: 'or';
  readonly items: readonly QueryNode[];
}

export interface NotNode {
  readonly kind: 'not';
  readonly item: QueryNode;
}

/** The empty query: selects everything. */
export interface AllNode {
  readonly kind: 'all';
}

export type QueryNode = TermNode | HasAttachmentsNode | DateNode | AndNode | OrNode | NotNode | AllNode;
