/**
 * fast-check arbitraries of whole `MessageRecord`s whose field counts and sizes sit on the writer's limits. The
 * numbers come from [MS-PST], not from the writer's constants, so that a wrong constant in the writer cannot move the
 * test along with it:
 *
 * - a heap allocation holds at most 3580 bytes (§2.3.1.1): a PtypString of 1790 UTF-16 code units is the largest
 *   in the heap, 1791 goes to a subnode; binary values (PidTagHtml as UTF-8, PidTagRtfCompressed, attachment data)
 *   hit 3580 and 3581 exactly;
 * - a data block holds 8176 bytes (§2.2.2.8.3.1): a value of 8176 bytes is one block, 8177 an XBLOCK of two, and
 *   more than 8176 × 1021 an XXBLOCK (§2.2.2.8.3.2);
 * - a BTH leaf of 8-byte records holds floor(3580 / 8) = 447 of them (§2.3.2): a table of 448 rows or more needs an
 *   index level in its row index;
 * - a heap page is one 8176-byte block, every page 8 + 128k is a bitmap page (§2.3.1.4): a message PC whose string
 *   values all sit near 3580 bytes would take 10 pages, which the writer caps at 8 (MAX_PC_PAGES, moving values to
 *   subnodes); a recipient table of a few hundred rows reaches the bitmap page;
 * - an SLBLOCK lists 340 subnodes (§2.2.2.8.3.3.1): recipients whose names take subnodes (each name is stored in
 *   three columns and in the entry id) reach an SIBLOCK with about 90 rows.
 *
 * Strings mix ASCII with Latin and CJK characters, astral characters (surrogate pairs), lone surrogates and NULs.
 */

import type { Attachment, EmbeddedMessageAttachment, MailAddress, MessageRecord, Recipient } from '@pstream/pst';
import fc from 'fast-check';
import { compressedRtfSize } from '../../src/messaging/compressed-rtf.js';
import { seededAttachment } from './support.js';

/** [MS-PST] §2.3.1.1: the largest heap allocation. */
export const HEAP_MAX = 3580;
/** [MS-PST] §2.2.2.8.3.1: the data of one block. */
export const BLOCK_DATA = 8176;

/** The length of an RTF text whose stored PidTagRtfCompressed value takes exactly `bytes` bytes. */
function rtfLengthFor(bytes: number): number {
  let n = bytes - 18 - Math.ceil(bytes / 9);
  while (compressedRtfSize(n) < bytes) n++;
  if (compressedRtfSize(n) !== bytes) throw new Error(`no RTF text is stored in exactly ${bytes} bytes`);
  return n;
}
/** [MS-PST] §2.2.2.8.3.2.1: BIDs of one XBLOCK. */
export const XBLOCK_ENTRIES = 1021;
/** [MS-PST] §2.3.2: 8-byte records (a TC row index) in one BTH leaf. */
export const BTH_LEAF_ROWS = Math.floor(HEAP_MAX / 8);
/** [MS-PST] §2.2.2.8.3.3.1: SLENTRYs of one SLBLOCK. */
export const SLBLOCK_ENTRIES = 340;
/** The most heap pages the writer gives a PC (MAX_PC_PAGES in property-context.ts, for libpff's sake). */
export const PC_PAGES = 8;

/** Kinds of characters a generated string mixes into its ASCII. */
export type Flavor = 'ascii' | 'bmp' | 'astral' | 'lone' | 'nul';
/** Flavours libpff's exporter reports faithfully (embedded messages are read back through pffexport only). */
const PLAIN_FLAVORS: readonly Flavor[] = ['ascii', 'bmp', 'lone'];
const ALL_FLAVORS: readonly Flavor[] = ['ascii', 'bmp', 'astral', 'lone', 'nul'];

const WORD = 'abcdefghij KLMNOPQRST-uvwxyz.0123456789 ';
const SPECIAL: Record<Flavor, readonly string[]> = {
  ascii: ['Q'],
  bmp: ['é', 'ß', '東', '€', 'Ω'],
  astral: ['😀', '𝄞', '𠜎'],
  lone: ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'],
  nul: ['\u0000'],
};

/**
 * A string of exactly `units` UTF-16 code units (NULs included, which the writer drops): ASCII words with a few
 * characters of `flavor` at the start, the end and inside, placed by `seed`.
 */
export function makeText(units: number, flavor: Flavor, seed: number): string {
  const out: string[] = [];
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s >>> 8;
  };
  for (let i = 0; i < units; i++) out.push(WORD[(i * 7 + seed) % WORD.length]!);
  const specials = SPECIAL[flavor];
  const spots =
    units === 0 ? [] : [0, units - 1, ...Array.from({ length: Math.min(8, units >> 4) }, () => next() % units)];
  for (const at of spots) {
    const c = specials[next() % specials.length]!;
    if (c.length === 2) {
      // a surrogate pair takes the place of two single units, keeping the length
      if (at + 1 >= units || out[at]!.length !== 1 || out[at + 1]!.length !== 1) continue;
      out[at] = c;
      out[at + 1] = '';
    } else if (out[at]!.length === 1) {
      out[at] = c;
    }
  }
  return out.join('');
}

/** Lengths (UTF-16 units) around the writer's limits for a string property. */
export const stringLength: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(HEAP_MAX / 2 - 1, HEAP_MAX / 2, HEAP_MAX / 2 + 1, BLOCK_DATA / 2, BLOCK_DATA / 2 + 1),
  },
  { weight: 2, arbitrary: fc.integer({ min: 41, max: HEAP_MAX / 2 }) },
  { weight: 1, arbitrary: fc.integer({ min: HEAP_MAX / 2 + 1, max: 3 * BLOCK_DATA }) },
);

/** A string of a generated length and flavour. */
export function text(length: fc.Arbitrary<number>, flavors: readonly Flavor[] = ALL_FLAVORS): fc.Arbitrary<string> {
  return fc.tuple(length, fc.constantFrom(...flavors), fc.nat()).map(([n, f, seed]) => makeText(n, f, seed));
}

/** The arbitraries of one nesting level: top-level messages may use every flavour, embedded ones the plain ones. */
function arbitraries(flavors: readonly Flavor[]) {
  const str = (length: fc.Arbitrary<number> = stringLength): fc.Arbitrary<string> => text(length, flavors);
  const short = str(fc.integer({ min: 0, max: 24 }));
  /** A subject: one line (pffexport prints it after a tab on one line). */
  const subject = fc
    .oneof(
      str(),
      str().map((s) => `\u0001\u0001${s}`),
    )
    .map((s) => s.replaceAll(/\s+/g, ' '));
  const address = (name: fc.Arbitrary<string>): fc.Arbitrary<MailAddress> =>
    fc.record(
      {
        name,
        address: fc.oneof(
          str(fc.integer({ min: 0, max: 30 })).map((s) => `${s.replaceAll(' ', '')}@example.com`),
          fc.constant(''),
        ),
        addressType: fc.constantFrom(undefined, 'SMTP', 'EX'),
      },
      { requiredKeys: ['name'] },
    );
  const recipients = (count: fc.Arbitrary<number>, name: fc.Arbitrary<string>): fc.Arbitrary<Recipient[]> =>
    count.chain((n) =>
      fc.array(
        fc
          .tuple(fc.constantFrom('to' as const, 'cc' as const, 'bcc' as const), address(name))
          .map(([kind, a]) => ({ kind, ...a })),
        { minLength: n, maxLength: n },
      ),
    );
  /** Attachment sizes: empty, the heap limit, one block, an XBLOCK, an XXBLOCK. */
  const attachmentSize = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(0, 1, HEAP_MAX, HEAP_MAX + 1, BLOCK_DATA, BLOCK_DATA + 1) },
    { weight: 2, arbitrary: fc.integer({ min: 2, max: 3 * BLOCK_DATA }) },
    { weight: 1, arbitrary: fc.constant(BLOCK_DATA * XBLOCK_ENTRIES + 1) },
  );
  const fileAttachment = (size: fc.Arbitrary<number>): fc.Arbitrary<Attachment> =>
    fc
      .tuple(
        str(fc.integer({ min: 0, max: 60 })),
        size,
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.boolean(),
        fc.constantFrom(undefined, 'image/png', 'application/octet-stream'),
      )
      .map(([name, size, seed, inline, contentType]) =>
        seededAttachment(`${name.replaceAll(/[\s\u0000]/g, '')}.bin`, size, seed, {
          contentType,
          ...(inline ? { contentId: `c${seed}@x`, isInline: true } : {}),
        }),
      );
  /** Dates the validator accepts, its limits included ([MS-PST] PtypTime: FILETIME from 1601). */
  const date = fc.oneof(
    fc.constantFrom(
      new Date(Date.UTC(1601, 0, 1)),
      new Date(Date.UTC(30828, 0, 1)),
      new Date(Date.UTC(1970, 0, 1)),
      new Date(Date.UTC(1601, 0, 1, 0, 0, 0, 1)),
    ),
    fc.date({ min: new Date(Date.UTC(1601, 0, 1)), max: new Date(Date.UTC(30828, 0, 1)), noInvalidDate: true }),
  );
  /** RFC 5322 header lines, from none to a thousand. */
  const headers = fc
    .tuple(fc.constantFrom(0, 1, 40, 120, 1000), fc.nat())
    .map(([n, seed]) =>
      Array.from(
        { length: n },
        (_, i) => `X-Line-${i}: ${makeText(10 + ((seed + i) % 50), 'ascii', seed + i).trim()}`,
      ).join('\r\n'),
    );
  /** A body: lines of generated text. */
  const body = fc.array(str(), { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\r\n'));
  /** UTF-8 HTML of exactly n bytes around the heap and block limits (plus free-form text). */
  const html = fc.oneof(
    fc
      .constantFrom(HEAP_MAX, HEAP_MAX + 1, BLOCK_DATA, BLOCK_DATA + 1, 1)
      .map((n) => `<p>${'h'.repeat(Math.max(0, n - 7))}</p>`.slice(0, n)),
    str().map((s) => `<html><body>${s}</body></html>`),
  );
  /** RTF texts whose stored (LZFu) values take 3580, 3581, 8176 and 8177 bytes. */
  const rtf = fc
    .constantFrom(HEAP_MAX, HEAP_MAX + 1, BLOCK_DATA, BLOCK_DATA + 1)
    .map((bytes) => `{\\rtf1 ${'r'.repeat(rtfLengthFor(bytes) - 8)}}`);
  const categories = fc.array(str(fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 12 });
  const optional = <T>(a: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> =>
    fc.option(a, { nil: undefined, freq });
  const common = {
    messageClass: optional(fc.constantFrom('IPM.Note', 'IPM.Note.Custom', `IPM.Note.${'Long'.repeat(200)}`)),
    importance: fc.constantFrom(undefined, 'low' as const, 'normal' as const, 'high' as const),
    sensitivity: fc.constantFrom(
      undefined,
      'normal' as const,
      'personal' as const,
      'private' as const,
      'confidential' as const,
    ),
    isRead: fc.constantFrom(undefined, true, false),
    isDraft: fc.constantFrom(undefined, true, false),
    sentAt: optional(date),
    receivedAt: optional(date),
    createdAt: optional(date),
    modifiedAt: optional(date),
    internetMessageId: optional(str().map((s) => `<${s}@example.com>`)),
    inReplyTo: optional(short),
    references: optional(str()),
    transportHeaders: optional(headers),
    categories: optional(categories),
    rtf: optional(rtf, 5),
  };
  return { str, short, subject, address, recipients, fileAttachment, attachmentSize, body, html, common, optional };
}

const top = arbitraries(ALL_FLAVORS);
const plain = arbitraries(PLAIN_FLAVORS);

/** An ordinary message: every field optional, sizes around the limits, a few recipients and attachments. */
function mixedMessage(
  a: ReturnType<typeof arbitraries>,
  embedded: fc.Arbitrary<EmbeddedMessageAttachment[]>,
): fc.Arbitrary<MessageRecord> {
  return fc
    .record({
      ...a.common,
      subject: a.subject,
      from: a.optional(a.address(a.str())),
      sender: a.optional(a.address(a.short), 4),
      recipients: a.optional(a.recipients(fc.integer({ min: 0, max: 12 }), a.str(fc.integer({ min: 0, max: 40 })))),
      body: a.optional(a.body),
      html: a.optional(a.html),
      files: fc.array(a.fileAttachment(a.attachmentSize), { maxLength: 4 }),
      embedded,
    })
    .map(({ files, embedded: inner, ...r }) => withAttachments(inner.length ? forwarded(r) : r, [...files, ...inner]));
}

/**
 * A message whose tree pffexport compares (one holding or held as an embedded message) gets a subject starting with
 * ASCII, since Debian's pffexport mangles the first character of a subject when it is not ASCII.
 */
function forwarded(r: MessageRecord): MessageRecord {
  return { ...r, subject: `Fwd: ${r.subject}` };
}

function withAttachments(r: MessageRecord, attachments: Attachment[]): MessageRecord {
  return attachments.length ? { ...r, attachments } : r;
}

/** An embedded message of plain strings, itself holding up to one more level. */
const embeddedMessage: fc.Arbitrary<EmbeddedMessageAttachment[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<EmbeddedMessageAttachment[]>([]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(mixedMessage(plain, fc.constant<EmbeddedMessageAttachment[]>([])), plain.short)
      .map(([message, name]) => [
        {
          kind: 'message',
          name: name.replaceAll('\u0000', ''),
          message: forwarded(message),
        } satisfies EmbeddedMessageAttachment,
      ]),
  },
);
const embeddedTwice: fc.Arbitrary<EmbeddedMessageAttachment[]> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<EmbeddedMessageAttachment[]>([]) },
  {
    weight: 1,
    arbitrary: mixedMessage(plain, embeddedMessage).map((message) => [
      { kind: 'message', name: 'forwarded', message: forwarded(message) } satisfies EmbeddedMessageAttachment,
    ]),
  },
);

/**
 * Every string field at or just below the heap limit: the message PC would take ten heap pages, more than the 8 the
 * writer allows, so some values move to subnodes; its pages 1.. start with a value.
 */
const fullMessage: fc.Arbitrary<MessageRecord> = fc
  .record({
    near: fc.integer({ min: HEAP_MAX / 2 - 40, max: HEAP_MAX / 2 }),
    flavor: fc.constantFrom(...ALL_FLAVORS.filter((f) => f !== 'nul')),
    seed: fc.nat(),
    categories: fc.integer({ min: 100, max: 160 }).map((n) => Array.from({ length: n }, (_, i) => `category ${i}`)),
  })
  .map(({ near, flavor, seed, categories }) => {
    const s = (k: number): string => makeText(near - (k % 3), flavor, seed + k);
    // one recipient of each kind, so that PidTagDisplayTo, Cc and Bcc are long values too
    const recipients = (['to', 'cc', 'bcc'] as const).map(
      (kind, i): Recipient => ({ kind, name: s(9 + i), address: `${kind}@example.com` }),
    );
    return {
      subject: s(1),
      messageClass: `IPM.Note.${'X'.repeat(near - 9)}`,
      from: { name: s(2), address: `${'f'.repeat(near - 12)}@example.com`, addressType: 'Y'.repeat(near) },
      sender: { name: s(3), address: `${'s'.repeat(near - 12)}@example.com`, addressType: 'X'.repeat(near) },
      recipients,
      internetMessageId: s(4),
      inReplyTo: s(5),
      references: s(6),
      transportHeaders: s(7),
      body: s(8),
      html: 'h'.repeat(HEAP_MAX - (seed % 3)),
      rtf: 'r'.repeat(rtfLengthFor(HEAP_MAX - (seed % 2))),
      categories,
      sentAt: new Date(Date.UTC(2024, 0, 1)),
    } satisfies MessageRecord;
  });

/**
 * Many recipients: just around one BTH leaf of row index records (447), or enough for a recipient table of more
 * than eight heap pages (a bitmap page) and a two-level row index.
 */
const crowdedMessage: fc.Arbitrary<MessageRecord> = fc.record({
  subject: top.subject,
  recipients: top.recipients(
    fc.constantFrom(BTH_LEAF_ROWS - 1, BTH_LEAF_ROWS, BTH_LEAF_ROWS + 1, 1200),
    top.str(fc.integer({ min: 0, max: 12 })),
  ),
  body: top.optional(top.body),
});

/** Recipients whose names are values in subnodes: the recipient table's subnode tree outgrows one SLBLOCK. */
const longNamesMessage: fc.Arbitrary<MessageRecord> = fc
  .record({
    subject: top.subject,
    count: fc.integer({ min: 86, max: 100 }),
    name: fc.integer({ min: HEAP_MAX / 2 + 1, max: HEAP_MAX / 2 + 30 }),
    seed: fc.nat(),
  })
  .map(({ subject, count, name, seed }) => ({
    subject,
    recipients: Array.from(
      { length: count },
      (_, i): Recipient => ({
        kind: (['to', 'cc', 'bcc'] as const)[i % 3]!,
        name: makeText(name, 'bmp', seed + i),
        address: `r${i}@example.com`,
      }),
    ),
  }));

/** Many attachments: an attachment table of many rows, a message of many subnodes. */
const attachedMessage: fc.Arbitrary<MessageRecord> = fc
  .record({
    subject: top.subject,
    // pst-extractor reads attachments in quadratic time: a few hundred take seconds, so counts stay below that
    count: fc.constantFrom(40, 130),
    seed: fc.integer({ min: 1, max: 1 << 20 }),
  })
  .map(({ subject, count, seed }) => ({
    subject,
    attachments: Array.from({ length: count }, (_, i) => seededAttachment(`part ${i}.txt`, i % 7, seed + i)),
  }));

/** One generated message of any profile, the plain mixed one most often. */
export const boundaryMessage: fc.Arbitrary<MessageRecord> = fc.oneof(
  { weight: 8, arbitrary: mixedMessage(top, embeddedTwice) },
  { weight: 2, arbitrary: fullMessage },
  { weight: 1, arbitrary: crowdedMessage },
  { weight: 1, arbitrary: longNamesMessage },
  { weight: 1, arbitrary: attachedMessage },
);
