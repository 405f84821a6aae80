/**
 * Parser of the keyword query language (an AQS/KQL-like subset; see `compileQuery` for the rules).
 *
 * Grammar, loosest binding first:
 *   query   := or?
 *   or      := and ('OR' and)*
 *   and     := unary ('AND'? unary)*          (juxtaposition is AND)
 *   unary   := 'NOT'* primary
 *   primary := '(' or ')' | field value | word | "phrase"
 * Operators are recognised in upper case only; `or`, `and`, `not` are ordinary words.
 * The parser never builds a regular expression from the query, and its recursion depth is bounded by the
 * parenthesis nesting limit.
 */
import { QueryError } from '../errors.js';
import { foldText } from './fold.js';
import type { DateNode, QueryField, QueryNode, TermNode } from './query-ast.js';
import { splitWords } from './words.js';

/** Deepest parenthesis nesting accepted. */
export const MAX_NESTING = 64;

type Comparison = ':' | '=' | '>' | '>=' | '<' | '<=';

type Token =
  | { readonly t: '(' | ')'; readonly pos: number }
  | { readonly t: 'op'; readonly op: 'AND' | 'OR' | 'NOT'; readonly pos: number }
  | { readonly t: 'word'; readonly text: string; readonly pos: number }
  | { readonly t: 'phrase'; readonly text: string; readonly star: boolean; readonly pos: number }
  | {
      readonly t: 'field';
      readonly name: string;
      readonly cmp: Comparison;
      readonly pos: number;
      /** Text right after the comparison in the same token, if any, and where it starts. */
      readonly value: string;
      readonly valuePos: number;
    };

type FieldKind =
  | { readonly kind: 'text'; readonly field: QueryField }
  | { readonly kind: 'has' }
  | { readonly kind: 'date'; readonly field: 'received' | 'sent' };

/** Field names (lower case) and their meaning; synonyms follow Veeam's search appendix and EWS AQS. */
const FIELDS: ReadonlyMap<string, FieldKind> = new Map<string, FieldKind>([
  ['subject', { kind: 'text', field: 'subject' }],
  ['from', { kind: 'text', field: 'from' }],
  ['to', { kind: 'text', field: 'to' }],
  ['cc', { kind: 'text', field: 'cc' }],
  ['bcc', { kind: 'text', field: 'bcc' }],
  ['participants', { kind: 'text', field: 'participants' }],
  ['body', { kind: 'text', field: 'body' }],
  ['content', { kind: 'text', field: 'body' }],
  ['contents', { kind: 'text', field: 'body' }],
  ['attachment', { kind: 'text', field: 'attachment' }],
  ['attachments', { kind: 'text', field: 'attachment' }],
  ['hasattachment', { kind: 'has' }],
  ['hasattachments', { kind: 'has' }],
  ['received', { kind: 'date', field: 'received' }],
  ['sent', { kind: 'date', field: 'sent' }],
]);

const FIELD_LIST = 'subject, from, to, cc, bcc, participants, body, attachment, hasattachments, received, sent';

function isSpaceChar(ch: string): boolean {
  return /\s/.test(ch);
}

function isQuote(ch: string): boolean {
  return ch === '"' || ch === '\u201C' || ch === '\u201D';
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** Splits the query into tokens. */
function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i] as string;
    if (isSpaceChar(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ t: ch, pos: i });
      i++;
    } else if (isQuote(ch)) {
      let end = i + 1;
      while (end < query.length && !isQuote(query[end] as string)) end++;
      if (end >= query.length) throw new QueryError(query, i, 'unclosed quote');
      const star = query[end + 1] === '*';
      tokens.push({ t: 'phrase', text: query.slice(i + 1, end), star, pos: i });
      i = end + 1 + (star ? 1 : 0);
    } else {
      let end = i;
      while (end < query.length) {
        const c = query[end] as string;
        if (isSpaceChar(c) || c === '(' || c === ')' || isQuote(c)) break;
        end++;
      }
      tokens.push(bareToken(query, query.slice(i, end), i));
      i = end;
    }
  }
  return tokens;
}

/** A token without quotes or parentheses: an operator, a `field:value`, or a word. */
function bareToken(query: string, text: string, pos: number): Token {
  if (text === 'AND' || text === 'OR' || text === 'NOT') return { t: 'op', op: text, pos };
  let n = 0;
  while (n < text.length && isAsciiLetter(text.charCodeAt(n))) n++;
  if (n > 0 && n < text.length) {
    const rest = text.slice(n);
    const cmp: Comparison | undefined = rest.startsWith('>=')
      ? '>='
      : rest.startsWith('<=')
        ? '<='
        : rest[0] === ':' || rest[0] === '=' || rest[0] === '>' || rest[0] === '<'
          ? (rest[0] as Comparison)
          : undefined;
    if (cmp !== undefined) {
      const name = text.slice(0, n).toLowerCase();
      if (FIELDS.has(name)) {
        const valuePos = pos + n + cmp.length;
        return { t: 'field', name, cmp, pos, value: text.slice(n + cmp.length), valuePos };
      }
      if (cmp === ':') {
        throw new QueryError(
          query,
          pos,
          `unknown field "${text.slice(0, n)}:" (known: ${FIELD_LIST}); quote the text to search for it literally`,
        );
      }
    }
  }
  return { t: 'word', text, pos };
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly query: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): QueryNode {
    if (this.tokens.length === 0) return { kind: 'all' };
    const node = this.parseOr(undefined);
    const extra = this.tokens[this.i];
    if (extra !== undefined) {
      // Only a ')' without its '(' can stop the top level early.
      throw new QueryError(this.query, extra.pos, 'unmatched closing parenthesis');
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private parseOr(field: QueryField | undefined): QueryNode {
    const items = [this.parseAnd(field)];
    for (;;) {
      const tok = this.peek();
      if (tok?.t !== 'op' || tok.op !== 'OR') break;
      this.i++;
      items.push(this.parseAnd(field, tok));
    }
    return items.length === 1 ? (items[0] as QueryNode) : { kind: 'or', items };
  }

  private parseAnd(field: QueryField | undefined, after?: Token): QueryNode {
    const items = [this.parseUnary(field, after)];
    for (;;) {
      const tok = this.peek();
      if (tok === undefined || tok.t === ')' || (tok.t === 'op' && tok.op === 'OR')) break;
      if (tok.t === 'op' && tok.op === 'AND') {
        this.i++;
        items.push(this.parseUnary(field, tok));
      } else {
        items.push(this.parseUnary(field));
      }
    }
    return items.length === 1 ? (items[0] as QueryNode) : { kind: 'and', items };
  }

  private parseUnary(field: QueryField | undefined, after?: Token): QueryNode {
    let negations = 0;
    let last = after;
    for (let tok = this.peek(); tok?.t === 'op' && tok.op === 'NOT'; tok = this.peek()) {
      negations++;
      last = tok;
      this.i++;
    }
    const node = this.parsePrimary(field, last);
    return negations % 2 === 1 ? { kind: 'not', item: node } : node;
  }

  /** `after` is the operator before this operand, for messages about a missing operand. */
  private parsePrimary(field: QueryField | undefined, after: Token | undefined): QueryNode {
    const tok = this.peek();
    const opName = after?.t === 'op' ? after.op : undefined;
    if (tok === undefined) {
      throw new QueryError(
        this.query,
        this.query.length,
        opName ? `expected a term after ${opName}` : 'expected a term',
      );
    }
    switch (tok.t) {
      case '(':
        return this.parseGroup(field);
      case ')':
        if (opName) throw new QueryError(this.query, tok.pos, `expected a term after ${opName}`);
        throw new QueryError(
          this.query,
          tok.pos,
          this.depth === 0 ? 'unmatched closing parenthesis' : 'empty parentheses',
        );
      case 'op':
        throw new QueryError(
          this.query,
          tok.pos,
          opName ? `expected a term after ${opName}, found ${tok.op}` : `expected a term before ${tok.op}`,
        );
      case 'word':
        this.i++;
        return this.wordTerm(tok.text, tok.pos, field);
      case 'phrase':
        this.i++;
        return this.phraseTerm(tok.text, tok.star, tok.pos, field);
      case 'field':
        this.i++;
        return this.fieldValue(tok, field);
    }
  }

  private parseGroup(field: QueryField | undefined): QueryNode {
    const open = this.peek() as Token;
    if (this.depth >= MAX_NESTING)
      throw new QueryError(this.query, open.pos, `parentheses nested deeper than ${MAX_NESTING}`);
    this.i++;
    this.depth++;
    const inner = this.parseOr(field);
    this.depth--;
    const close = this.peek();
    if (close?.t !== ')') throw new QueryError(this.query, open.pos, 'unclosed parenthesis');
    this.i++;
    return inner;
  }

  private fieldValue(tok: Extract<Token, { t: 'field' }>, outer: QueryField | undefined): QueryNode {
    const kind = FIELDS.get(tok.name) as FieldKind;
    if (outer !== undefined) {
      throw new QueryError(this.query, tok.pos, `field "${tok.name}" inside a group restricted to "${outer}"`);
    }
    if (kind.kind === 'text') {
      if (tok.cmp !== ':' && tok.cmp !== '=') {
        throw new QueryError(
          this.query,
          tok.pos + tok.name.length,
          `"${tok.cmp}" applies to dates only; use "${tok.name}:"`,
        );
      }
      if (tok.value !== '') return this.wordTerm(tok.value, tok.valuePos, kind.field);
      const next = this.peek();
      if (next?.t === 'phrase') {
        this.i++;
        return this.phraseTerm(next.text, next.star, next.pos, kind.field);
      }
      if (next?.t === 'word') {
        this.i++;
        return this.wordTerm(next.text, next.pos, kind.field);
      }
      if (next?.t === '(') return this.parseGroup(kind.field);
      throw new QueryError(
        this.query,
        next?.pos ?? this.query.length,
        `expected a value after "${tok.name}${tok.cmp}"`,
      );
    }
    const { text, pos } = this.plainValue(tok);
    if (kind.kind === 'has') {
      if (tok.cmp !== ':' && tok.cmp !== '=')
        throw new QueryError(this.query, tok.pos + tok.name.length, `"${tok.cmp}" applies to dates only`);
      const v = text.toLowerCase();
      if (v === 'true' || v === 'yes') return { kind: 'has-attachments', value: true };
      if (v === 'false' || v === 'no') return { kind: 'has-attachments', value: false };
      throw new QueryError(this.query, pos, `${tok.name} expects true or false, not "${text}"`);
    }
    return this.dateRange(kind.field, tok.cmp, text, pos);
  }

  /** The value of a non-text field: attached to the token, or the next word or phrase. */
  private plainValue(tok: Extract<Token, { t: 'field' }>): { text: string; pos: number } {
    if (tok.value !== '') return { text: tok.value, pos: tok.valuePos };
    const next = this.peek();
    if (next?.t === 'word') {
      this.i++;
      return { text: next.text, pos: next.pos };
    }
    if (next?.t === 'phrase') {
      this.i++;
      return { text: next.text.trim(), pos: next.pos + 1 };
    }
    throw new QueryError(this.query, next?.pos ?? this.query.length, `expected a value after "${tok.name}${tok.cmp}"`);
  }

  private dateRange(field: 'received' | 'sent', cmp: Comparison, text: string, pos: number): DateNode {
    const dots = text.indexOf('..');
    if (dots >= 0) {
      if (cmp !== ':' && cmp !== '=') throw new QueryError(this.query, pos, `a date range cannot follow "${cmp}"`);
      const from = this.day(text.slice(0, dots), pos);
      const to = this.day(text.slice(dots + 2), pos + dots + 2);
      if (to.start < from.start) throw new QueryError(this.query, pos, `the range ${text} ends before it starts`);
      return { kind: 'date', field, fromMs: from.start, beforeMs: to.next };
    }
    const d = this.day(text, pos);
    switch (cmp) {
      case ':':
      case '=':
        return { kind: 'date', field, fromMs: d.start, beforeMs: d.next };
      case '>=':
        return { kind: 'date', field, fromMs: d.start, beforeMs: undefined };
      case '>':
        return { kind: 'date', field, fromMs: d.next, beforeMs: undefined };
      case '<':
        return { kind: 'date', field, fromMs: undefined, beforeMs: d.start };
      case '<=':
        return { kind: 'date', field, fromMs: undefined, beforeMs: d.next };
    }
  }

  /** A calendar day `YYYY-MM-DD` in UTC: its first millisecond and that of the next day. */
  private day(text: string, pos: number): { start: number; next: number } {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (m === null) throw new QueryError(this.query, pos, `bad date "${text}"; expected YYYY-MM-DD`);
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    // Date.UTC reads years 0 to 99 as 1900 to 1999; setUTCFullYear takes every year as written.
    const check = new Date(0);
    check.setUTCFullYear(y, mo - 1, d);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
      throw new QueryError(this.query, pos, `bad date "${text}"; no such day`);
    }
    const start = check.getTime();
    check.setUTCDate(d + 1);
    return { start, next: check.getTime() };
  }

  private wordTerm(text: string, pos: number, field: QueryField | undefined): TermNode {
    const star = text.indexOf('*');
    if (star >= 0 && star !== text.length - 1) {
      throw new QueryError(this.query, pos + star, 'a wildcard "*" is allowed only at the end of a term');
    }
    const words = splitWords(foldText(star >= 0 ? text.slice(0, -1) : text));
    if (words.length === 0) {
      throw new QueryError(
        this.query,
        pos,
        star >= 0 && text.length === 1
          ? 'a wildcard "*" needs a prefix'
          : `"${text}" has no letters or digits to search for`,
      );
    }
    return { kind: 'term', words, prefix: true, field, position: pos };
  }

  private phraseTerm(text: string, star: boolean, pos: number, field: QueryField | undefined): TermNode {
    const trimmed = text.trimEnd();
    const innerStar = trimmed.endsWith('*');
    const words = splitWords(foldText(innerStar ? trimmed.slice(0, -1) : trimmed));
    if (words.length === 0)
      throw new QueryError(this.query, pos, `the phrase "${text}" has no letters or digits to search for`);
    return { kind: 'term', words, prefix: star || innerStar, field, position: pos };
  }
}

/** Parses a keyword query into its tree; throws `QueryError` with the position of the first problem. */
export function parseQuery(query: string): QueryNode {
  return new Parser(query, tokenize(query)).parse();
}
