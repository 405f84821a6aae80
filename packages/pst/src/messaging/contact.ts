/**
 * Contact properties — [MS-OXOCNTC] §2.2.1: names, company and phones as tagged properties; e-mail addresses, the
 * work address and file-as as named properties in PSETID_Address; home and other addresses tagged. The mailing
 * address is also stored in the PidTagStreetAddress family and PidTagPostalAddress.
 */
import type { PropertyList } from '../ltp/property-value.js';
import type { KindContext } from './appointment.js';
import type { ContactFields, PhoneKind, PostalAddress, PostalAddressKind } from './contact-record.js';
import { oneOffEntryId } from './entry-id.js';
import { NamedSetWriter } from './item-properties.js';
import { PropertySet } from './named-properties.js';

/** PidLid LIDs in PSETID_Address — [MS-OXPROPS]. */
const Lid = {
  FileUnder: 0x8005,
  HomeAddress: 0x801a,
  WorkAddress: 0x801b,
  OtherAddress: 0x801c,
  PostalAddressId: 0x8022,
  AddressBookProviderEmailList: 0x8028,
  AddressBookProviderArrayType: 0x8029,
  Html: 0x802b,
  WorkAddressStreet: 0x8045,
  WorkAddressCity: 0x8046,
  WorkAddressState: 0x8047,
  WorkAddressPostalCode: 0x8048,
  WorkAddressCountry: 0x8049,
  WorkAddressPostOfficeBox: 0x804a,
  BirthdayLocal: 0x80de,
} as const;

/** E-mail 1, 2, 3: display name, address type, address, original display name, original EntryID. */
const EMAIL_LIDS = [
  [0x8080, 0x8082, 0x8083, 0x8084, 0x8085],
  [0x8090, 0x8092, 0x8093, 0x8094, 0x8095],
  [0x80a0, 0x80a2, 0x80a3, 0x80a4, 0x80a5],
] as const;

/** Tagged contact properties — [MS-OXPROPS]. */
const Tag = {
  Generation: 0x3a05,
  GivenName: 0x3a06,
  Surname: 0x3a11,
  PostalAddress: 0x3a15,
  CompanyName: 0x3a16,
  Title: 0x3a17,
  DepartmentName: 0x3a18,
  Country: 0x3a26,
  Locality: 0x3a27,
  StateOrProvince: 0x3a28,
  StreetAddress: 0x3a29,
  PostalCode: 0x3a2a,
  PostOfficeBox: 0x3a2b,
  Birthday: 0x3a42,
  MiddleName: 0x3a44,
  DisplayNamePrefix: 0x3a45,
  Nickname: 0x3a4f,
  PersonalHomePage: 0x3a50,
  BusinessHomePage: 0x3a51,
  DisplayName: 0x3001,
} as const;

export const PHONE_TAGS: Record<PhoneKind, number> = {
  callback: 0x3a02,
  business: 0x3a08,
  home: 0x3a09,
  primary: 0x3a1a,
  business2: 0x3a1b,
  mobile: 0x3a1c,
  radio: 0x3a1d,
  car: 0x3a1e,
  other: 0x3a1f,
  pager: 0x3a21,
  otherFax: 0x3a23,
  businessFax: 0x3a24,
  homeFax: 0x3a25,
  telex: 0x3a2c,
  isdn: 0x3a2d,
  assistant: 0x3a2e,
  home2: 0x3a2f,
  tty: 0x3a4b,
  company: 0x3a57,
};

/** street, city, state, postal code, country, PO box of the home and other addresses (tagged). */
const HOME_TAGS = [0x3a5d, 0x3a59, 0x3a5c, 0x3a5b, 0x3a5a, 0x3a5e] as const;
const OTHER_TAGS = [0x3a63, 0x3a5f, 0x3a62, 0x3a61, 0x3a60, 0x3a64] as const;
const MAILING_TAGS = [
  Tag.StreetAddress,
  Tag.Locality,
  Tag.StateOrProvince,
  Tag.PostalCode,
  Tag.Country,
  Tag.PostOfficeBox,
] as const;
const WORK_LIDS = [
  Lid.WorkAddressStreet,
  Lid.WorkAddressCity,
  Lid.WorkAddressState,
  Lid.WorkAddressPostalCode,
  Lid.WorkAddressCountry,
  Lid.WorkAddressPostOfficeBox,
] as const;
const FULL_ADDRESS_LID: Record<PostalAddressKind, number> = {
  home: Lid.HomeAddress,
  work: Lid.WorkAddress,
  other: Lid.OtherAddress,
};
/** PidLidPostalAddressId: 1 home, 2 work, 3 other. */
const POSTAL_ADDRESS_ID: Record<PostalAddressKind, number> = { home: 1, work: 2, other: 3 };

/** The contact's display name: given, or built from the name parts. */
export function contactDisplayName(c: ContactFields): string {
  if (c.displayName) return c.displayName;
  return [c.prefix, c.givenName, c.middleName, c.surname, c.suffix].filter((s) => s).join(' ');
}

function fields(a: PostalAddress): (string | undefined)[] {
  return [a.street, a.city, a.region, a.postalCode, a.country, a.poBox];
}

/** The address as one text, as Outlook shows it: street, then "city, region postal code", then country. */
function addressText(a: PostalAddress): string {
  const cityLine = [a.city, [a.region, a.postalCode].filter((s) => s).join(' ')].filter((s) => s).join(', ');
  return [a.poBox, a.street, cityLine, a.country].filter((s) => s).join('\r\n');
}

/**
 * Given fields to `p`; what the writer derives from them (a display name from the name parts, e-mail display names
 * and EntryIDs, the address-book lists) to `defaults`, which carried properties override.
 */
export function contactProperties(ctx: KindContext, c: ContactFields, p: PropertyList, defaults: PropertyList): void {
  const address = new NamedSetWriter(p, ctx.names, PropertySet.Address);
  const derived = new NamedSetWriter(defaults, ctx.names, PropertySet.Address);
  const displayName = contactDisplayName(c);
  const put = (id: number, v: string | undefined): void => {
    if (v !== undefined && v !== '') p.string(id, v);
  };
  if (displayName !== '') (c.displayName ? p : defaults).string(Tag.DisplayName, displayName);
  put(Tag.GivenName, c.givenName);
  put(Tag.MiddleName, c.middleName);
  put(Tag.Surname, c.surname);
  put(Tag.DisplayNamePrefix, c.prefix);
  put(Tag.Generation, c.suffix);
  put(Tag.Nickname, c.nickname);
  put(Tag.CompanyName, c.company);
  put(Tag.Title, c.jobTitle);
  put(Tag.DepartmentName, c.department);
  // Not made up when absent: a contact re-exported from a PST that has none keeps having none.
  address.string(Lid.FileUnder, c.fileAs);

  const emails = c.emails ?? [];
  emails.forEach((e, i) => {
    const [display, type, addr, original, entry] = EMAIL_LIDS[i]!;
    const addressType = e.addressType || 'SMTP';
    const shown = e.displayName || (displayName ? `${displayName} (${e.address})` : e.address);
    address.string(type, addressType).string(addr, e.address);
    (e.displayName ? address : derived).string(display, shown);
    derived.string(original, e.address).binary(entry, oneOffEntryId(displayName || e.address, addressType, e.address));
  });
  if (emails.length > 0) {
    derived
      .int32s(
        Lid.AddressBookProviderEmailList,
        emails.map((_, i) => i),
      )
      .int32(
        Lid.AddressBookProviderArrayType,
        emails.reduce((mask, _, i) => mask | (1 << i), 0),
      );
  }

  for (const phone of c.phones ?? []) put(PHONE_TAGS[phone.kind], phone.number);

  const addresses = c.addresses ?? [];
  for (const a of addresses) {
    const values = fields(a);
    if (a.kind === 'work') {
      WORK_LIDS.forEach((lid, i) => {
        address.string(lid, values[i]);
      });
    } else {
      (a.kind === 'home' ? HOME_TAGS : OTHER_TAGS).forEach((id, i) => {
        put(id, values[i]);
      });
    }
    address.string(FULL_ADDRESS_LID[a.kind], addressText(a));
  }
  const mailing = addresses.find((a) => a.isMailing) ?? addresses[0];
  if (mailing) {
    const values = fields(mailing);
    MAILING_TAGS.forEach((id, i) => {
      put(id, values[i]);
    });
    put(Tag.PostalAddress, addressText(mailing));
    address.int32(Lid.PostalAddressId, POSTAL_ADDRESS_ID[mailing.kind]);
  }

  if (c.birthday) {
    const day = new Date(Date.UTC(c.birthday.getUTCFullYear(), c.birthday.getUTCMonth(), c.birthday.getUTCDate()));
    p.time(Tag.Birthday, day);
    address.time(Lid.BirthdayLocal, day);
  }
  if (c.webPage) {
    put(Tag.BusinessHomePage, c.webPage);
    address.string(Lid.Html, c.webPage);
  }
}
