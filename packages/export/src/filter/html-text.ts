/**
 * The visible text of an HTML document, for keyword matching.
 *
 * A small tokenizer in the spirit of the HTML5 one, fed in chunks of any size: tags, attribute values
 * (including URLs), comments, declarations and the content of `<script>`, `<style>`, `<title>`, `<template>`
 * and other non-rendered elements are dropped; character references are decoded. Block-level tags and `<br>`
 * become a separator, so that `<td>a</td><td>b</td>` gives two words, while inline tags (`<b>`, `<span>`, …) do
 * not, so that `sup<b>port</b>` stays one word. Memory is constant apart from the text handed out.
 */
import { decodeNamedReference, decodeNumericReference, MAX_ENTITY_NAME } from './html-entities.js';

/** Elements whose content is not rendered; skipped up to their end tag. */
const SKIPPED = new Set(['script', 'style', 'title', 'template', 'noembed', 'noframes', 'iframe', 'xml']);

/** Inline elements: no word break around them. Any other tag separates words. */
const INLINE = new Set([
  'a',
  'abbr',
  'b',
  'bdi',
  'bdo',
  'big',
  'cite',
  'code',
  'data',
  'del',
  'dfn',
  'em',
  'font',
  'i',
  'ins',
  'kbd',
  'mark',
  'nobr',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'time',
  'tt',
  'u',
  'var',
  'wbr',
  'o:p',
]);

enum State {
  Text,
  TagOpen, // after '<'
  EndTagOpen, // after '</'
  TagName,
  InTag, // attributes
  AttrValueDouble,
  AttrValueSingle,
  AttrValueBare,
  MarkupDecl, // after '<!'
  Comment,
  BogusComment,
  CharRef, // after '&'
  Skipped, // inside a non-rendered element, looking for its end tag
}

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const EQUALS = 0x3d;
const DASH = 0x2d;
const SEMI = 0x3b;
const HASH = 0x23;

function isAsciiAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isAsciiAlnum(c: number): boolean {
  return isAsciiAlpha(c) || (c >= 0x30 && c <= 0x39);
}
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/**
 * Streaming HTML-to-text converter: call `write()` with successive chunks and `end()` once; text arrives
 * through `onText` in document order (possibly in small pieces).
 */
export class HtmlTextExtractor {
  private state = State.Text;
  private tagName = '';
  private closing = false;
  private afterEquals = false;
  private commentStart = false; // in a comment, nothing but '-' seen yet
  private dashes = 0; // comment: consecutive '-' seen; markup declaration: '-' after '<!'
  private ref = ''; // character reference collected after '&'
  private skipUntil = ''; // '</script' while in Skipped
  private skipMatched = 0;
  private ended = false;

  constructor(private readonly onText: (text: string) => void) {}

  /** Feeds the next piece of the document. */
  write(chunk: string): void {
    if (this.ended) throw new Error('HtmlTextExtractor: write after end');
    let runStart = this.state === State.Text ? 0 : -1;
    const flush = (end: number): void => {
      if (runStart >= 0 && end > runStart) this.onText(chunk.slice(runStart, end));
      runStart = -1;
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.state) {
        case State.Text:
          if (c === LT) {
            flush(i);
            this.state = State.TagOpen;
          } else if (c === AMP) {
            flush(i);
            this.state = State.CharRef;
            this.ref = '';
          } else {
            if (runStart < 0) runStart = i;
            // The rest of the run of text, up to the next '<' or '&'.
            while (i + 1 < chunk.length) {
              const d = chunk.charCodeAt(i + 1);
              if (d === LT || d === AMP) break;
              i++;
            }
          }
          break;
        case State.TagOpen:
          if (isAsciiAlpha(c)) {
            this.beginTag(false, c);
          } else if (c === SLASH) {
            this.state = State.EndTagOpen;
          } else if (c === BANG) {
            this.state = State.MarkupDecl;
            this.dashes = 0;
          } else if (c === QMARK) {
            this.state = State.BogusComment;
          } else {
            // A '<' that starts no tag is text ("a < b").
            this.onText('<');
            this.state = State.Text;
            i--; // read this character again as text
          }
          break;
        case State.EndTagOpen:
          if (isAsciiAlpha(c)) this.beginTag(true, c);
          else if (c === GT) this.state = State.Text;
          else this.state = State.BogusComment;
          break;
        case State.TagName:
          if (c === GT) {
            this.endTag();
          } else if (isSpace(c) || c === SLASH) {
            this.state = State.InTag;
            this.afterEquals = false;
          } else if (this.tagName.length < 16) {
            this.tagName +=
              c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : String.fromCharCode(c).toLowerCase();
          }
          break;
        case State.InTag:
          if (c === GT) {
            this.endTag();
          } else if (c === EQUALS) {
            this.afterEquals = true;
          } else if (isSpace(c)) {
            // whitespace around '=' keeps afterEquals
          } else if (this.afterEquals) {
            this.afterEquals = false;
            if (c === DQUOTE) this.state = State.AttrValueDouble;
            else if (c === SQUOTE) this.state = State.AttrValueSingle;
            else this.state = State.AttrValueBare;
          }
          break;
        case State.AttrValueDouble:
        case State.AttrValueSingle: {
          // Skip to the closing quote.
          const quote = this.state === State.AttrValueDouble ? '"' : "'";
          const end = c === quote.charCodeAt(0) ? i : chunk.indexOf(quote, i + 1);
          if (end < 0) {
            i = chunk.length;
          } else {
            i = end;
            this.state = State.InTag;
          }
          break;
        }
        case State.AttrValueBare:
          if (c === GT) this.endTag();
          else if (isSpace(c)) this.state = State.InTag;
          break;
        case State.MarkupDecl:
          // '<!--' opens a comment; anything else ('<!DOCTYPE', '<![CDATA[') is skipped up to '>'.
          if (c === DASH && this.dashes === 0) {
            this.dashes = 1;
          } else if (c === DASH && this.dashes === 1) {
            this.state = State.Comment;
            this.dashes = 0;
            this.commentStart = true;
          } else if (c === GT) {
            this.state = State.Text;
            this.separate();
          } else {
            this.state = State.BogusComment;
          }
          break;
        case State.Comment:
          if (c === GT && (this.dashes >= 2 || (this.commentStart && this.dashes <= 1))) {
            // '-->', and the abruptly closed empty comments '<!-->' and '<!--->'
            this.state = State.Text;
            this.separate();
          } else if (c === DASH) {
            this.dashes++;
          } else {
            this.dashes = 0;
            this.commentStart = false;
          }
          break;
        case State.BogusComment:
          if (c === GT) {
            this.state = State.Text;
            this.separate();
          }
          break;
        case State.CharRef:
          if (
            c === SEMI ||
            !(isAsciiAlnum(c) || (c === HASH && this.ref === '')) ||
            this.ref.length > MAX_ENTITY_NAME
          ) {
            this.finishRef(c === SEMI);
            if (c !== SEMI) i--; // this character is read again as text
            this.state = State.Text;
          } else {
            this.ref += String.fromCharCode(c);
          }
          break;
        case State.Skipped:
          this.scanSkipped(c);
          break;
      }
    }
    if (this.state === State.Text) flush(chunk.length);
  }

  /** Ends the document: a pending reference or a lone '<' is emitted as text; open tags are dropped. */
  end(): void {
    if (this.ended) return;
    if (this.state === State.CharRef) this.finishRef(false);
    else if (this.state === State.TagOpen) this.onText('<');
    this.ended = true;
  }

  private beginTag(closing: boolean, first: number): void {
    this.state = State.TagName;
    this.closing = closing;
    this.tagName = String.fromCharCode(first | 0x20); // an ASCII letter, lower-cased
  }

  private endTag(): void {
    const name = this.tagName;
    this.state = State.Text;
    if (!this.closing && SKIPPED.has(name)) {
      this.state = State.Skipped;
      this.skipUntil = `</${name}`;
      this.skipMatched = 0;
      return;
    }
    if (name === 'br') this.onText('\n');
    else if (!INLINE.has(name)) this.separate();
  }

  private separate(): void {
    this.onText(' ');
  }

  /** Looks for `</name` followed by a delimiter while inside a skipped element. */
  private scanSkipped(c: number): void {
    const target = this.skipUntil;
    if (this.skipMatched === target.length) {
      if (isSpace(c) || c === SLASH || c === GT) {
        // The end tag: its attributes (if any) and '>' are consumed by InTag, which then separates words.
        this.tagName = target.slice(2);
        this.closing = true;
        this.afterEquals = false;
        if (c === GT) this.endTag();
        else this.state = State.InTag;
        return;
      }
      this.skipMatched = c === LT ? 1 : 0;
      return;
    }
    const expected = target.charCodeAt(this.skipMatched);
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    if (lower === expected) this.skipMatched++;
    else this.skipMatched = c === LT ? 1 : 0;
  }

  /** Emits the character reference collected in `ref` (or the raw text when it is none). */
  private finishRef(terminated: boolean): void {
    const ref = this.ref;
    this.ref = '';
    if (ref.startsWith('#')) {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      const digits = ref.slice(hex ? 2 : 1);
      const valid = digits.length > 0 && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits);
      if (!valid) {
        this.onText(`&${ref}${terminated ? ';' : ''}`);
        return;
      }
      const value = digits.length > 8 ? Number.POSITIVE_INFINITY : parseInt(digits, hex ? 16 : 10);
      this.onText(decodeNumericReference(value));
      return;
    }
    const named = ref === '' ? undefined : decodeNamedReference(ref, terminated);
    if (named === undefined) {
      this.onText(`&${ref}${terminated ? ';' : ''}`);
      return;
    }
    const rest = ref.slice(named.used);
    this.onText(named.text + rest + (terminated && rest !== '' ? ';' : ''));
  }
}

/** The visible text of a whole HTML string (see `HtmlTextExtractor`). */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  const extractor = new HtmlTextExtractor((t) => parts.push(t));
  extractor.write(html);
  extractor.end();
  return parts.join('');
}
