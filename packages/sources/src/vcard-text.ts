/**
 * The text layer of `.vcf` files: splitting a file into its cards, and rewriting a vCard 2.1 card in vCard 3.0
 * syntax so that `ical.js` (which reads vCard 3.0 and 4.0, RFC 2426 and RFC 6350) can parse it.
 *
 * vCard 2.1 (the Internet Mail Consortium's 1996 text, which Outlook still exports) differs from 3.0 in ways no
 * maintained JavaScript parser handles: parameters without a name (`TEL;WORK;VOICE:`), values in
 * QUOTED-PRINTABLE whose soft line breaks (`=` at the end of a line) continue the value on a line that does not
 * start with white space, values in the legacy charset named by a `CHARSET` parameter, and values that are not
 * backslash-escaped (a comma is a comma). Everything else is left to the parser.
 */
import iconv from 'iconv-lite';
import { utf8Bytes } from './text-item.js';

/** One card of a file: its bytes as a binary (latin1) string, so that no charset is guessed before its version says. */
export interface RawCard {
  /** 1-based position of the card in the file. */
  readonly index: number;
  /** 1-based line of its `BEGIN:VCARD`. */
  readonly line: number;
  /** From `BEGIN:VCARD` to `END:VCARD` inclusive (or to the end of the file when the card is not closed). */
  readonly binary: string;
  /** The `VERSION` value, `2.1` when absent (the 2.1 text made it optional). */
  readonly version: string;
  /** Whether `END:VCARD` was found. */
  readonly closed: boolean;
}

const BEGIN = /^begin:vcard\s*$/i;
const END = /^end:vcard\s*$/i;
const VERSION = /^version:\s*([0-9.]+)/i;

/**
 * Splits a `.vcf` file into cards. Text outside `BEGIN:VCARD`…`END:VCARD` is returned as `stray` (lines with
 * something on them), so that the caller can name it rather than pass over it.
 */
export function splitCards(bytes: Uint8Array): { cards: RawCard[]; stray: number } {
  const text = utf8Bytes(bytes).toString('latin1');
  const lines = text.split(/\r\n|\n|\r/);
  const cards: RawCard[] = [];
  let stray = 0;
  let start = -1;
  let depth = 0;
  let version: string | undefined;
  const close = (end: number, closed: boolean): void => {
    // Blank lines mean nothing inside a card; a file whose CRLFs were converted once more (CR CR LF) has one
    // after every line, which would break the folding of the next.
    const text = lines.slice(start, end).filter((l) => l !== '');
    cards.push({
      index: cards.length + 1,
      line: start + 1,
      binary: text.join('\r\n'),
      version: version ?? '2.1',
      closed,
    });
    start = -1;
    version = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (start < 0) {
      if (BEGIN.test(line)) {
        start = i;
        depth = 1;
      } else if (line.trim() !== '') stray++;
      continue;
    }
    // A 2.1 AGENT property may hold a whole nested card.
    if (BEGIN.test(line)) depth++;
    else if (END.test(line) && --depth === 0) close(i + 1, true);
    else if (depth === 1 && version === undefined) version = VERSION.exec(line)?.[1];
  }
  if (start >= 0) close(lines.length, false);
  return { cards, stray };
}

/**
 * The text of a card of version 3.0 or 4.0: UTF-8, as RFC 6350 requires and RFC 2426 allows by default. A parameter
 * without a name, which 2.1 allowed and some 3.0 writers still use (Apple's Address Book: `PHOTO;BASE64:`), is given
 * its name (`ENCODING=b`, else `TYPE=`), which the parser requires.
 */
export function modernCardText(card: RawCard): string {
  return Buffer.from(card.binary, 'latin1')
    .toString('utf8')
    .split('\r\n')
    .map((line) => (/^[ \t]/.test(line) ? line : nameBareParams(line)))
    .join('\r\n');
}

/** `NAME;WORK;BASE64:value` as `NAME;TYPE=WORK;ENCODING=b:value`; a line whose parameters all have names as it is. */
function nameBareParams(line: string): string {
  const colon = headEnd(line);
  if (colon <= 0) return line;
  const [name = '', ...params] = line.slice(0, colon).split(';');
  if (params.every((p) => p.includes('='))) return line;
  const named = params.map((p) =>
    p.includes('=') ? p : /^(base64|b)$/i.test(p.trim()) ? 'ENCODING=b' : `TYPE=${p.trim()}`,
  );
  return [name, ...named].join(';') + line.slice(colon);
}

/** The position of the colon that ends a content line's name and parameters (the first outside double quotes). */
function headEnd(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) return i;
  }
  return -1;
}

/** A parameter of a 2.1 content line: `name` is undefined for a bare one (`WORK`, `QUOTED-PRINTABLE`). */
interface Param {
  readonly name: string | undefined;
  readonly value: string;
}

/** A logical (unfolded) 2.1 content line, still in binary (latin1) form. */
interface Line21 {
  readonly group: string | undefined;
  readonly name: string;
  readonly params: Param[];
  readonly value: string;
}

function isQuotedPrintable(params: readonly Param[]): boolean {
  return params.some(
    (p) =>
      (p.name === undefined || p.name.toUpperCase() === 'ENCODING') && p.value.toUpperCase() === 'QUOTED-PRINTABLE',
  );
}

function isBase64(params: readonly Param[]): boolean {
  return params.some(
    (p) => (p.name === undefined || p.name.toUpperCase() === 'ENCODING') && /^(base64|b)$/i.test(p.value),
  );
}

/** Splits `name;params:value` at the first colon outside double quotes. */
function parseLine(logical: string): Line21 | undefined {
  const colon = headEnd(logical);
  if (colon <= 0) return undefined;
  const [head = '', ...rawParams] = logical.slice(0, colon).split(';');
  const dot = head.lastIndexOf('.');
  const params = rawParams
    .filter((p) => p.trim() !== '')
    .map((p): Param => {
      const eq = p.indexOf('=');
      return eq < 0
        ? { name: undefined, value: p.trim() }
        : {
            name: p.slice(0, eq).trim(),
            value: p
              .slice(eq + 1)
              .trim()
              .replace(/^"(.*)"$/, '$1'),
          };
    });
  return {
    group: dot > 0 ? head.slice(0, dot) : undefined,
    name: head.slice(dot + 1).trim(),
    params,
    value: logical.slice(colon + 1),
  };
}

/**
 * Joins physical lines into logical ones: a line starting with white space continues the one before (RFC 2425
 * folding, which 2.1 writers use too), and so does any line after a QUOTED-PRINTABLE value that ends with `=`
 * (a soft line break, RFC 2045 §6.7).
 */
function logicalLines(binary: string): Line21[] {
  const out: Line21[] = [];
  let current: string | undefined;
  let qp = false;
  const flush = (): void => {
    if (current === undefined) return;
    const parsed = parseLine(current);
    if (parsed) out.push(parsed);
    current = undefined;
  };
  for (const line of binary.split('\r\n')) {
    if (current !== undefined && qp && current.endsWith('=')) {
      current = current.slice(0, -1) + line;
      continue;
    }
    if (current !== undefined && /^[ \t]/.test(line)) {
      // Base64 runs keep no white space; other folds drop the one folding character.
      current += isBase64(parseLine(current)?.params ?? []) ? line.trim() : line.slice(1);
      continue;
    }
    flush();
    if (line.trim() === '') continue;
    current = line;
    qp = isQuotedPrintable(parseLine(line)?.params ?? []);
  }
  flush();
  return out;
}

/** The bytes of a QUOTED-PRINTABLE value (RFC 2045 §6.7), kept as binary; a malformed escape is kept as it is. */
function decodeQuotedPrintable(binary: string): string {
  return binary.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Text from a value's bytes in the charset named by the line, else UTF-8 when valid, else windows-1252. */
function decodeCharset(binary: string, params: readonly Param[]): string {
  const bytes = Buffer.from(binary, 'latin1');
  const label = params.find((p) => p.name?.toUpperCase() === 'CHARSET')?.value;
  if (label !== undefined && iconv.encodingExists(label)) return iconv.decode(bytes, label);
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return utf8.includes('\uFFFD') ? iconv.decode(bytes, 'windows-1252') : utf8;
}

/**
 * Escapes a 2.1 value for 3.0: `,` and new lines get backslashes; `;` stays the separator of structured values
 * (N, ADR, ORG), and an escaped `\;` stays escaped; any other backslash is a backslash.
 */
function escape30(value: string): string {
  return value
    .replace(/\\(?!;)/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\n|\r/g, '\\n');
}

function quoteParam(value: string): string {
  return /[:;,"]/.test(value) ? `"${value.replace(/"/g, "'")}"` : value;
}

/** A 2.1 card rewritten in vCard 3.0 syntax (RFC 2426), its values decoded to text. */
export function vcard21As30(card: RawCard): string {
  const lines: string[] = [];
  let depth = 0;
  for (const line of logicalLines(card.binary)) {
    const upper = line.name.toUpperCase();
    // A card nested in an AGENT property is left out: 3.0 would need it escaped into one value.
    const card = line.value.trim().toUpperCase() === 'VCARD';
    if (upper === 'BEGIN' && card) depth++;
    if (depth > 1 || (upper === 'AGENT' && line.value.trim() === '')) {
      if (upper === 'END' && card) depth--;
      continue;
    }
    if (upper === 'END' && card) depth--;
    if (upper === 'VERSION') {
      lines.push('VERSION:3.0');
      continue;
    }
    const types: string[] = [];
    const kept: string[] = [];
    for (const p of line.params) {
      const name = p.name?.toUpperCase();
      if (name === undefined) {
        if (!/^(quoted-printable|base64|8bit|7bit)$/i.test(p.value)) types.push(p.value);
      } else if (name === 'TYPE') types.push(...p.value.split(','));
      else if (name !== 'CHARSET' && name !== 'ENCODING') kept.push(`${p.name}=${quoteParam(p.value)}`);
    }
    const base64 = isBase64(line.params);
    let value: string;
    if (base64) {
      value = line.value.replace(/\s+/g, '');
      kept.push('ENCODING=b');
    } else {
      const bytes = isQuotedPrintable(line.params) ? decodeQuotedPrintable(line.value) : line.value;
      value = escape30(decodeCharset(bytes, line.params));
    }
    if (types.length > 0) kept.unshift(`TYPE=${types.map(quoteParam).join(',')}`);
    const head = (line.group !== undefined ? `${line.group}.` : '') + line.name;
    lines.push(`${[head, ...kept].join(';')}:${value}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
