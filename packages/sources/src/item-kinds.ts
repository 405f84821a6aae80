/**
 * The item-kind sections of a record (appointment, contact, task, sticky note, distribution list) from the MAPI
 * properties of an item read from a PST or MSG source: the properties [MS-OXOCAL], [MS-OXOCNTC], [MS-OXOTASK] and
 * [MS-OXONOTE] define, by tag or by set and LID.
 *
 * Only what maps one to one goes into a section, and a section is left out where the writer, storing it, would
 * replace carried properties with less than the source has (an item without its section is stored with all its
 * properties as they are, `extraProperties`):
 * - an appointment's recurrence (PidLidAppointmentRecur and the properties beside it) and time-zone structures
 *   (PidLidTimeZoneStruct, PidLidAppointmentTimeZoneDefinition*) are not parsed into the section: they are carried
 *   as they are (the blob holds exceptions and deleted occurrences, which a pattern made from it again would lose),
 *   and the writer keeps carried properties the section does not set;
 * - a distribution list whose members (PidLidDistributionListMembers) are not all one-off EntryIDs has no section:
 *   the section holds addresses, and the members that point to contacts would become one-off addresses;
 * - an appointment without a start and end has no section.
 */
import type { MailAddress, MessageRecord, Recipient } from '@pstream/pst';
import type { ExtraProperty, ExtraPropertyValue } from './pst-properties.js';

type AppointmentFields = NonNullable<MessageRecord['appointment']>;
type ContactFields = NonNullable<MessageRecord['contact']>;
type TaskFields = NonNullable<MessageRecord['task']>;
type StickyNoteFields = NonNullable<MessageRecord['note']>;
type DistributionListFields = NonNullable<MessageRecord['distributionList']>;
type Attendee = NonNullable<AppointmentFields['attendees']>[number];
type PhoneKind = NonNullable<ContactFields['phones']>[number]['kind'];
type PostalAddress = NonNullable<ContactFields['addresses']>[number];

/** The sections of one record (at most one is set, the one its message class names). */
export type KindSections = Pick<MessageRecord, 'appointment' | 'contact' | 'task' | 'note' | 'distributionList'>;

export const PSETID_APPOINTMENT = '00062002-0000-0000-c000-000000000046';
export const PSETID_TASK = '00062003-0000-0000-c000-000000000046';
export const PSETID_ADDRESS = '00062004-0000-0000-c000-000000000046';
export const PSETID_COMMON = '00062008-0000-0000-c000-000000000046';
export const PSETID_NOTE = '0006200e-0000-0000-c000-000000000046';

/** A recipient row's meeting properties: PidTagRecipientFlags (recipOrganizer 0x2) and PidTagRecipientTrackStatus. */
export interface RecipientMeetingInfo {
  readonly flags?: number;
  readonly trackStatus?: number;
}

/** Looks properties up by tag or by set and LID. */
class Properties {
  readonly #tagged = new Map<number, ExtraPropertyValue>();
  readonly #named = new Map<string, ExtraPropertyValue>();

  constructor(props: readonly ExtraProperty[]) {
    for (const p of props) {
      if (p.kind === 'tagged') this.#tagged.set(p.id, p.value);
      else if (p.lid !== undefined) this.#named.set(`${p.propertySet.toLowerCase()}:${p.lid}`, p.value);
    }
  }

  value(key: number | readonly [string, number]): ExtraPropertyValue | undefined {
    return typeof key === 'number' ? this.#tagged.get(key) : this.#named.get(`${key[0]}:${key[1]}`);
  }

  string(key: number | readonly [string, number]): string | undefined {
    const v = this.value(key);
    const s = v?.type === 'String' || v?.type === 'String8' ? v.value.replace(/\0+$/, '').trim() : undefined;
    return s ? s : undefined;
  }

  number(key: number | readonly [string, number]): number | undefined {
    const v = this.value(key);
    return v?.type === 'Integer16' || v?.type === 'Integer32' || v?.type === 'Floating32' || v?.type === 'Floating64'
      ? v.value
      : undefined;
  }

  boolean(key: number | readonly [string, number]): boolean | undefined {
    const v = this.value(key);
    return v?.type === 'Boolean' ? v.value : undefined;
  }

  date(key: number | readonly [string, number]): Date | undefined {
    const v = this.value(key);
    return v?.type === 'Time' && !Number.isNaN(v.value.getTime()) ? v.value : undefined;
  }

  binaries(key: number | readonly [string, number]): readonly Uint8Array[] | undefined {
    const v = this.value(key);
    return v?.type === 'MultipleBinary' ? v.value : undefined;
  }
}

const BUSY: readonly AppointmentFields['busyStatus'][] = [
  'free',
  'tentative',
  'busy',
  'outOfOffice',
  'workingElsewhere',
];
const TASK_STATUS: readonly TaskFields['status'][] = ['notStarted', 'inProgress', 'complete', 'waiting', 'deferred'];
const NOTE_COLOR: readonly StickyNoteFields['color'][] = ['blue', 'green', 'pink', 'yellow', 'white'];
const RESPONSE: Readonly<Record<number, Attendee['response']>> = {
  0: 'none',
  2: 'tentative',
  3: 'accepted',
  4: 'declined',
  5: 'notResponded',
};
const ROLE: Readonly<Record<Recipient['kind'], Attendee['role']>> = { to: 'required', cc: 'optional', bcc: 'resource' };
const RECIP_ORGANIZER = 0x0002;
const ASF_MEETING = 0x0001;

/** [MS-OXOCNTC] §2.2.1.4: each phone field's tag. */
const PHONES: ReadonlyArray<readonly [PhoneKind, number]> = [
  ['business', 0x3a08],
  ['business2', 0x3a1b],
  ['home', 0x3a09],
  ['home2', 0x3a2f],
  ['mobile', 0x3a1c],
  ['businessFax', 0x3a24],
  ['homeFax', 0x3a25],
  ['otherFax', 0x3a23],
  ['pager', 0x3a21],
  ['car', 0x3a1e],
  ['assistant', 0x3a2e],
  ['callback', 0x3a02],
  ['company', 0x3a57],
  ['primary', 0x3a1a],
  ['radio', 0x3a1d],
  ['telex', 0x3a2c],
  ['tty', 0x3a4b],
  ['isdn', 0x3a2d],
  ['other', 0x3a1f],
];

type Key = number | readonly [string, number];
/** [MS-OXOCNTC] §2.2.1.3: street, city, state, postal code, country, PO box of each kind; PidLidPostalAddressId's value. */
const ADDRESSES: ReadonlyArray<readonly [PostalAddress['kind'], number, readonly [Key, Key, Key, Key, Key, Key]]> = [
  ['home', 1, [0x3a5d, 0x3a59, 0x3a5c, 0x3a5b, 0x3a5a, 0x3a5e]],
  [
    'work',
    2,
    [
      [PSETID_ADDRESS, 0x8045],
      [PSETID_ADDRESS, 0x8046],
      [PSETID_ADDRESS, 0x8047],
      [PSETID_ADDRESS, 0x8048],
      [PSETID_ADDRESS, 0x8049],
      [PSETID_ADDRESS, 0x804a],
    ],
  ],
  ['other', 3, [0x3a63, 0x3a5f, 0x3a62, 0x3a61, 0x3a60, 0x3a64]],
];

/** PidLidEmail1/2/3: EmailAddress, DisplayName, AddressType ([MS-OXOCNTC] §2.2.1.2). */
const EMAILS: ReadonlyArray<readonly [number, number, number]> = [
  [0x8083, 0x8080, 0x8082],
  [0x8093, 0x8090, 0x8092],
  [0x80a3, 0x80a0, 0x80a2],
];

function defined<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}

/** PidLidReminderSet and PidLidReminderDelta; a delta without the flag is a reminder that is off. */
function reminder(p: Properties): AppointmentFields['reminder'] {
  const set = p.boolean([PSETID_COMMON, 0x8503]);
  const minutesBefore = p.number([PSETID_COMMON, 0x8501]);
  if (set === undefined && minutesBefore === undefined) return undefined;
  return defined({ set: set ?? false, minutesBefore });
}

function appointment(
  p: Properties,
  recipients: readonly Recipient[],
  meeting: readonly RecipientMeetingInfo[],
): AppointmentFields | undefined {
  const start = p.date([PSETID_APPOINTMENT, 0x820d]) ?? p.date(0x0060);
  const end = p.date([PSETID_APPOINTMENT, 0x820e]) ?? p.date(0x0061);
  if (start === undefined || end === undefined || end < start) return undefined;
  const isMeeting = ((p.number([PSETID_APPOINTMENT, 0x8217]) ?? 0) & ASF_MEETING) !== 0;
  const attendees: Attendee[] = [];
  let organizer: MailAddress | undefined;
  if (isMeeting) {
    recipients.forEach((r, i) => {
      const info = meeting[i] ?? {};
      const { kind, ...address } = r;
      if (((info.flags ?? 0) & RECIP_ORGANIZER) !== 0) {
        organizer ??= address;
        return;
      }
      attendees.push(defined({ ...address, role: ROLE[kind], response: RESPONSE[info.trackStatus ?? 0] }));
    });
  }
  const busy = p.number([PSETID_APPOINTMENT, 0x8205]);
  return defined({
    start,
    end,
    allDay: p.boolean([PSETID_APPOINTMENT, 0x8215]),
    location: p.string([PSETID_APPOINTMENT, 0x8208]),
    // The organizer's own row (recipOrganizer) names it as the recipient table has it (an SMTP address where the
    // author may have an Exchange one); the writer takes `from` only when there is none.
    organizer,
    attendees,
    busyStatus: busy === undefined ? undefined : BUSY[busy],
    reminder: reminder(p),
  });
}

function contact(p: Properties): ContactFields {
  const emails = EMAILS.flatMap(([address, displayName, type]) => {
    const a = p.string([PSETID_ADDRESS, address]);
    if (a === undefined) return [];
    const addressType = p.string([PSETID_ADDRESS, type]);
    return [
      defined({
        address: a,
        displayName: p.string([PSETID_ADDRESS, displayName]),
        addressType: addressType === 'SMTP' ? undefined : addressType,
      }),
    ];
  });
  const mailing = p.number([PSETID_ADDRESS, 0x8022]);
  const addresses = ADDRESSES.flatMap(([kind, id, [street, city, region, postalCode, country, poBox]]) => {
    const a = defined({
      street: p.string(street),
      city: p.string(city),
      region: p.string(region),
      postalCode: p.string(postalCode),
      country: p.string(country),
      poBox: p.string(poBox),
    });
    return Object.keys(a).length === 0 ? [] : [{ kind, ...a, ...(mailing === id ? { isMailing: true } : {}) }];
  });
  return defined({
    givenName: p.string(0x3a06),
    middleName: p.string(0x3a44),
    surname: p.string(0x3a11),
    prefix: p.string(0x3a45),
    suffix: p.string(0x3a05),
    nickname: p.string(0x3a4f),
    displayName: p.string(0x3001),
    fileAs: p.string([PSETID_ADDRESS, 0x8005]),
    emails,
    phones: PHONES.flatMap(([kind, tag]) => {
      const number = p.string(tag);
      return number === undefined ? [] : [{ kind, number }];
    }),
    addresses,
    company: p.string(0x3a16),
    jobTitle: p.string(0x3a17),
    department: p.string(0x3a18),
    birthday: p.date(0x3a42),
    webPage: p.string(0x3a51) ?? p.string(0x3a50),
  });
}

function task(p: Properties): TaskFields {
  const status = p.number([PSETID_TASK, 0x8101]);
  const fraction = p.number([PSETID_TASK, 0x8102]);
  return defined({
    status: status === undefined ? undefined : TASK_STATUS[status],
    percentComplete: fraction === undefined ? undefined : Math.round(Math.min(1, Math.max(0, fraction)) * 100),
    startDate: p.date([PSETID_TASK, 0x8104]),
    dueDate: p.date([PSETID_TASK, 0x8105]),
    completedAt: p.date([PSETID_TASK, 0x810f]),
    owner: p.string([PSETID_TASK, 0x811f]),
    reminder: reminder(p),
  });
}

function note(p: Properties): StickyNoteFields {
  const color = p.number([PSETID_NOTE, 0x8b00]);
  return defined({
    color: color === undefined ? undefined : NOTE_COLOR[color],
    width: p.number([PSETID_NOTE, 0x8b02]),
    height: p.number([PSETID_NOTE, 0x8b03]),
    x: p.number([PSETID_NOTE, 0x8b04]),
    y: p.number([PSETID_NOTE, 0x8b05]),
  });
}

/**
 * A one-off EntryID ([MS-OXCDATA] §2.2.5.1): flags, the one-off provider UID, version, flags (MAPI_UNICODE 0x8000),
 * then display name, address type and address, each ending in a null.
 */
export function oneOffAddress(entry: Uint8Array): MailAddress | undefined {
  const b = Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength);
  if (b.length < 24) return undefined;
  const unicode = (b.readUInt16LE(22) & 0x8000) !== 0;
  const text = unicode ? b.toString('utf16le', 24, 24 + ((b.length - 24) & ~1)) : b.toString('latin1', 24);
  const [name, type, address] = text.split('\0');
  if (address === undefined) return undefined;
  return defined({
    name: name || undefined,
    address: address || undefined,
    addressType: type && type !== 'SMTP' ? type : undefined,
  });
}

/** The one-off provider's UID in an EntryID ([MS-OXCDATA] §2.2.5.1), at offset 4. */
const ONE_OFF_PROVIDER = '812b1fa4bea310199d6e00dd010f5402';

function distributionList(p: Properties): DistributionListFields | undefined {
  const all = p.binaries([PSETID_ADDRESS, 0x8055]) ?? [];
  if (
    all.some(
      (entry) =>
        Buffer.from(entry.buffer, entry.byteOffset + 4, Math.min(16, Math.max(0, entry.byteLength - 4))).toString(
          'hex',
        ) !== ONE_OFF_PROVIDER,
    )
  )
    return undefined;
  const members = (p.binaries([PSETID_ADDRESS, 0x8054]) ?? []).flatMap((entry) => {
    const a = oneOffAddress(entry);
    return a && (a.address !== undefined || a.name !== undefined) ? [a] : [];
  });
  return { members };
}

/** The section the message class names, from the item's properties; `{}` for mail and for classes of no kind. */
export function kindSections(
  messageClass: string | undefined,
  props: readonly ExtraProperty[],
  recipients: readonly Recipient[],
  meeting: readonly RecipientMeetingInfo[],
): KindSections {
  const cls = (messageClass ?? '').toLowerCase();
  const is = (base: string): boolean => cls === base || cls.startsWith(`${base}.`);
  const p = new Properties(props);
  if (is('ipm.appointment')) {
    const section = appointment(p, recipients, meeting);
    return section ? { appointment: section } : {};
  }
  if (is('ipm.contact')) return { contact: contact(p) };
  if (is('ipm.task')) return { task: task(p) };
  if (is('ipm.stickynote')) return { note: note(p) };
  if (is('ipm.distlist')) {
    const section = distributionList(p);
    return section ? { distributionList: section } : {};
  }
  return {};
}
