/**
 * The contacts of a vCard (`.vcf`) file: each VCARD a contact (IPM.Contact, [MS-OXOCNTC]), versions 2.1, 3.0
 * ([RFC 2426]) and 4.0 ([RFC 6350]); a file may hold several. Cards are read with `ical.js`, a 2.1 card after
 * `vcard21As30` has rewritten it in 3.0 syntax.
 *
 * Mapping: N to the name parts, FN to the display name, EMAIL to e-mail 1–3 (PREF first), TEL to the phone field
 * its TYPEs name, ADR to the work, home or other address (the PREF one the mailing address), ORG to company and
 * department, TITLE to job title, BDAY to birthday, URL to the web page, NOTE to the body. A card with no name at
 * all (no N, FN, ORG or EMAIL) is kept as a plain item holding its text.
 */

import type {
  ContactEmail,
  ContactFields,
  ContactPhone,
  MessageRecord,
  PhoneKind,
  PostalAddress,
  PostalAddressKind,
} from '@pstream/pst';
import ICAL from 'ical.js';
import { defined, keptAsText, type TextItem } from './text-item.js';
import { modernCardText, type RawCard, splitCards, vcard21As30 } from './vcard-text.js';

type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;

const CONTENT_TYPE = 'text/vcard';
const MAX_EMAILS = 3;

/** The TYPE values of a property, lower case (`TYPE=WORK,VOICE`, `TYPE=work;TYPE=voice` and `"work,voice"` alike). */
function types(property: Property): Set<string> {
  const raw = property.getParameter('type');
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  const out = new Set(
    list
      .flatMap((t) => String(t).toLowerCase().split(','))
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  );
  const pref = property.getParameter('pref');
  if (pref !== undefined && pref !== null) out.add('pref');
  return out;
}

/** A value as text: structured values (arrays) joined by `joiner`. */
function str(value: unknown, joiner = ' '): string {
  if (Array.isArray(value))
    return value
      .map((v) => str(v, joiner))
      .filter((s) => s !== '')
      .join(joiner);
  return value === null || value === undefined ? '' : String(value).trim();
}

function first(card: Component, name: string): string | undefined {
  const v = str(card.getFirstPropertyValue(name));
  return v === '' ? undefined : v;
}

/** A card's structured value as its components (N, ADR, ORG), each joined when it holds a list. */
function parts(card: Component | Property, name?: string): string[] {
  const value =
    name === undefined ? (card as Property).getFirstValue() : (card as Component).getFirstPropertyValue(name);
  if (value === null || value === undefined) return [];
  return Array.isArray(value)
    ? value.map((v) => str(v))
    : String(value)
        .split(';')
        .map((v) => v.trim());
}

/** The phone field for a TEL's types (vCard TYPE names per RFC 2426 §3.3.1 and RFC 6350 §6.4.1). */
function phoneKind(t: Set<string>): PhoneKind {
  if (t.has('fax')) return t.has('home') ? 'homeFax' : t.has('work') ? 'businessFax' : 'otherFax';
  if (t.has('cell') || t.has('mobile') || t.has('iphone')) return 'mobile';
  if (t.has('pager')) return 'pager';
  if (t.has('car')) return 'car';
  if (t.has('isdn')) return 'isdn';
  if (t.has('textphone')) return 'tty';
  if (t.has('callback')) return 'callback';
  if (t.has('main')) return 'company';
  if (t.has('work')) return 'business';
  if (t.has('home')) return 'home';
  return 'other';
}

/** A second number of a kind goes to the kind's second field when there is one, else to `other`. */
const SECOND: Partial<Record<PhoneKind, PhoneKind>> = { business: 'business2', home: 'home2', other: 'primary' };

function phones(card: Component): ContactPhone[] {
  const out: ContactPhone[] = [];
  const used = new Set<PhoneKind>();
  for (const p of card.getAllProperties('tel')) {
    const number = str(p.getFirstValue()).replace(/^tel:/i, '');
    if (number === '') continue;
    let kind: PhoneKind | undefined = phoneKind(types(p));
    if (used.has(kind))
      kind =
        SECOND[kind] !== undefined && !used.has(SECOND[kind]!)
          ? SECOND[kind]
          : !used.has('other')
            ? 'other'
            : undefined;
    if (kind === undefined) continue;
    used.add(kind);
    out.push({ kind, number });
  }
  return out;
}

function emails(card: Component, displayName: string | undefined): { kept: ContactEmail[]; dropped: number } {
  const all = card
    .getAllProperties('email')
    .map((p) => ({ address: str(p.getFirstValue()).replace(/^mailto:/i, ''), pref: types(p).has('pref') }))
    .filter((e) => e.address !== '');
  // The preferred address first: Outlook's e-mail 1 is the one it uses.
  all.sort((a, b) => Number(b.pref) - Number(a.pref));
  const kept = all
    .slice(0, MAX_EMAILS)
    .map((e) => ({ address: e.address, ...(displayName ? { displayName: `${displayName} (${e.address})` } : {}) }));
  return { kept, dropped: Math.max(0, all.length - MAX_EMAILS) };
}

function addresses(card: Component): { kept: PostalAddress[]; dropped: number } {
  const out: PostalAddress[] = [];
  const used = new Set<PostalAddressKind>();
  let dropped = 0;
  let mailing = false;
  for (const p of card.getAllProperties('adr')) {
    const t = types(p);
    let kind: PostalAddressKind = t.has('work') ? 'work' : t.has('home') ? 'home' : 'other';
    if (used.has(kind)) {
      if (used.has('other')) {
        dropped++;
        continue;
      }
      kind = 'other';
    }
    const [poBox = '', extended = '', street = '', city = '', region = '', postalCode = '', country = ''] = parts(p);
    const isMailing: boolean = t.has('pref') && !mailing;
    mailing ||= isMailing;
    used.add(kind);
    out.push(
      defined({
        kind,
        street: [extended, street].filter((s) => s !== '').join('\n'),
        city,
        region,
        postalCode,
        country,
        poBox,
        isMailing: isMailing || undefined,
      }),
    );
  }
  return { kept: out, dropped };
}

/** BDAY as the day it names; a date without a year (`--0203`) or text is not kept. */
function birthday(card: Component): Date | undefined {
  const v = card.getFirstPropertyValue('bday') as
    | { year?: number | null; month?: number | null; day?: number | null }
    | string
    | null;
  if (v === null || typeof v !== 'object') return undefined;
  if (!v.year || !v.month || !v.day) return undefined;
  return new Date(Date.UTC(v.year, v.month - 1, v.day));
}

/** NOTE as it is (its line breaks kept at both ends). */
function note(card: Component): string | undefined {
  const v = card.getFirstPropertyValue('note');
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** The contact of one parsed card, or why it cannot be one. */
function contact(card: Component, warnings: string[]): MessageRecord | string {
  const [surname = '', givenName = '', middleName = '', prefix = '', suffix = ''] = parts(card, 'n');
  const [company = '', ...departments] = parts(card, 'org');
  const fn = first(card, 'fn');
  const personal = [prefix, givenName, middleName, surname, suffix].filter((s) => s !== '').join(' ');
  const displayName = fn ?? (personal !== '' ? personal : company !== '' ? company : undefined);
  const mail = emails(card, displayName);
  if (displayName === undefined && mail.kept.length === 0)
    return 'the card has no name (no N, FN or ORG) and no e-mail address';
  if (mail.dropped > 0)
    warnings.push(`${mail.dropped} e-mail address(es) past the third left out (the format has three)`);
  const postal = addresses(card);
  if (postal.dropped > 0)
    warnings.push(`${postal.dropped} postal address(es) left out (the format has one work, one home and one other)`);
  const fileAs = surname !== '' && givenName !== '' ? `${surname}, ${givenName}` : displayName;
  const fields: ContactFields = defined({
    givenName,
    middleName,
    surname,
    prefix,
    suffix,
    nickname: first(card, 'nickname'),
    displayName: displayName ?? mail.kept[0]?.address,
    fileAs: fileAs ?? mail.kept[0]?.address,
    emails: mail.kept,
    phones: phones(card),
    addresses: postal.kept,
    company,
    department: departments.filter((d) => d !== '').join(', '),
    jobTitle: first(card, 'title'),
    birthday: birthday(card),
    webPage: first(card, 'url')?.replace(/\\:/g, ':'),
  });
  const categories = card
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map((v) => str(v)))
    .filter((c) => c !== '');
  const rev = card.getFirstPropertyValue('rev') as { toUnixTime?: () => number } | null;
  const modifiedAt =
    rev && typeof rev === 'object' && typeof rev.toUnixTime === 'function'
      ? new Date(rev.toUnixTime() * 1000)
      : undefined;
  return {
    messageClass: 'IPM.Contact',
    subject: fields.displayName ?? '',
    ...defined({
      body: note(card),
      categories,
      modifiedAt: modifiedAt && !Number.isNaN(modifiedAt.getTime()) ? modifiedAt : undefined,
    }),
    contact: fields,
  };
}

/** The card's text to show people and attach: UTF-8 for 3.0/4.0, its 2.1 bytes as they are otherwise. */
function cardText(card: RawCard): string {
  return card.version.startsWith('2') ? Buffer.from(card.binary, 'latin1').toString('utf8') : modernCardText(card);
}

/** One card as a contact, or as a plain item holding its text when it cannot be one. */
function cardItem(raw: RawCard, fileName: string): TextItem {
  const label = `VCARD ${raw.index} (line ${raw.line})`;
  const original = cardText(raw);
  const warnings: string[] = [];
  let result: MessageRecord | string;
  try {
    if (!raw.closed) throw new Error('the card has no END:VCARD');
    const text = raw.version.startsWith('2') ? vcard21As30(raw) : modernCardText(raw);
    result = contact(new ICAL.Component(ICAL.parse(text) as unknown[]), warnings);
  } catch (error) {
    result = `the card cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  if (typeof result !== 'string') return { record: result, text: original, label, warnings };
  const subject = /^FN[;:][^\r\n]*?:?([^:\r\n]+)$/m.exec(original)?.[1]?.trim() || `${label} of ${fileName}`;
  return {
    record: keptAsText({
      subject,
      kind: 'contact',
      reason: result,
      text: original,
      fileName: `contact-${raw.index}.vcf`,
      contentType: CONTENT_TYPE,
    }),
    text: original,
    label,
    warnings: [],
    keptAsText: result,
  };
}

/**
 * The contacts of a .vcf file; `fileName` names the file in labels and attachments. The cards are found at once
 * (`cards`, and `stray` lines outside any); each is parsed only when `items` gets to it, so that a large address
 * book does not hold the event loop for the whole file.
 */
export function vcardItems(
  bytes: Uint8Array,
  fileName: string,
): { items: Iterable<TextItem>; cards: number; stray: number } {
  const { cards, stray } = splitCards(bytes);
  return {
    cards: cards.length,
    stray,
    items: (function* (): Generator<TextItem> {
      for (const raw of cards) yield cardItem(raw, fileName);
    })(),
  };
}
