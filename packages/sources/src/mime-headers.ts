/**
 * Maps parsed RFC 5322 header fields (as mailparser gives them) to the fields of a `MessageRecord`.
 */

import type { Importance, MailAddress, Recipient, RecipientKind } from '@pstream/pst';
import type { AddressObject, EmailAddress, HeaderLines, Headers, HeaderValue } from 'mailparser';

/**
 * A decoded header text as one line: every run of CR and LF (which RFC 2047 encoded words and RFC 2231
 * parameters can smuggle in) becomes one space. The subject, display names, addresses and attachment names are
 * single-line in every mail client; a line break in them could pass for a header field further down the line.
 */
export function singleLine(value: string): string {
  return /[\r\n]/.test(value) ? value.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ') : value;
}

/** The raw header block, one field per line (folding kept), CRLF line ends, ending with an empty line. */
export function transportHeaders(lines: HeaderLines): string {
  return `${lines.map((l) => (l.line.includes('\n') ? l.line.replace(/\r?\n/g, '\r\n') : l.line)).join('\r\n')}\r\n\r\n`;
}

/** The unfolded raw value of every field named `key` (lower case), in header order. */
export function rawValues(lines: HeaderLines, key: string): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.key !== key) continue;
    const colon = l.line.indexOf(':');
    const value = l.line.slice(colon + 1);
    out.push((value.includes('\n') ? value.replace(/\r?\n[ \t]/g, ' ') : value).trim());
  }
  return out;
}

/** Parses an RFC 5322 date (comments removed); undefined when it is not a valid date. */
export function parseMailDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const text = value
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // Obsolete years (RFC 5322 §4.3): two digits are 1950–2049, three digits (or "0102") count from 1900.
  const year = date.getUTCFullYear();
  if (year < 1000) date.setUTCFullYear(year < 50 ? year + 2000 : year + 1900);
  return date;
}

/** The date of the topmost `Received` field (the last hop: delivery), after its last `;`. */
export function receivedDate(lines: HeaderLines): Date | undefined {
  const first = rawValues(lines, 'received')[0];
  if (first === undefined) return undefined;
  const semi = first.lastIndexOf(';');
  return semi < 0 ? undefined : parseMailDate(first.slice(semi + 1));
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && Array.isArray((v as AddressObject).value);
}

/** Every mailbox of an address header, groups flattened. */
export function mailboxes(value: HeaderValue | undefined): MailAddress[] {
  if (value === undefined) return [];
  const objects = (Array.isArray(value) ? value : [value]).filter(isAddressObject);
  const out: MailAddress[] = [];
  const add = (a: EmailAddress): void => {
    if (a.group !== undefined) {
      a.group.forEach(add);
      return;
    }
    const name = singleLine(a.name).trim();
    const address = a.address === undefined ? undefined : singleLine(a.address).trim();
    if (!name && !address) return;
    out.push({ ...(name ? { name } : {}), ...(address ? { address } : {}) });
  };
  for (const o of objects) o.value.forEach(add);
  return out;
}

/** The recipients of the `To`, `Cc` and `Bcc` fields, in that order. */
export function recipients(headers: Headers): Recipient[] {
  const out: Recipient[] = [];
  for (const kind of ['to', 'cc', 'bcc'] as const satisfies readonly RecipientKind[]) {
    for (const m of mailboxes(headers.get(kind))) out.push({ kind, ...m });
  }
  return out;
}

/** A header value as one string, or undefined when it is absent or not text. */
export function text(value: HeaderValue | undefined): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (Array.isArray(value) && typeof value[0] === 'string') return (value as string[]).join(' ').trim() || undefined;
  return undefined;
}

/** `priority` as mailparser combines it from `Importance`, `Priority`, `X-Priority`, `X-MSMail-Priority`. */
export function importance(headers: Headers): Importance | undefined {
  const p = headers.get('priority');
  return p === 'high' || p === 'low' || p === 'normal' ? p : undefined;
}

/**
 * Read state from the mbox `Status` / `X-Status` fields written by mail clients: `R` means read.
 * Undefined when neither field is present.
 */
export function readState(lines: HeaderLines): boolean | undefined {
  const values = [...rawValues(lines, 'status'), ...rawValues(lines, 'x-status')];
  if (values.length === 0) return undefined;
  return values.some((v) => v.includes('R'));
}

/** Categories from the `Keywords` (RFC 5322) and `X-Keywords` fields, comma separated, de-duplicated. */
export function categories(headers: Headers): string[] {
  const out = new Set<string>();
  for (const key of ['keywords', 'x-keywords']) {
    const v = headers.get(key);
    const values =
      typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    for (const item of values.flatMap((s) => s.split(','))) {
      const k = item.trim();
      if (k) out.add(k);
    }
  }
  return [...out];
}

/** `References` as in the header: message ids separated by single spaces. */
export function references(headers: Headers): string | undefined {
  const v = headers.get('references');
  if (typeof v === 'string') return v.trim() || undefined;
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').join(' ') || undefined;
  return undefined;
}
