/**
 * The contact section of a record — [MS-OXOCNTC]: tagged properties for names, company and phones, named properties in
 * PSETID_Address {00062004-0000-0000-C000-000000000046} for e-mail addresses, postal addresses and file-as.
 */

/** One of up to three e-mail addresses. [PidLidEmail1EmailAddress, PidLidEmail1DisplayName, PidLidEmail1AddressType, PidLidEmail1OriginalDisplayName; 2 and 3 likewise] */
export interface ContactEmail {
  readonly address: string;
  /** What Outlook shows, e.g. `Jane Doe (jane@example.com)`; the contact's name and the address when absent. */
  readonly displayName?: string;
  /** `SMTP` when absent. */
  readonly addressType?: string;
}

/**
 * The phone numbers Outlook has a field for ([MS-OXOCNTC]): PidTagBusinessTelephoneNumber,
 * PidTagBusiness2TelephoneNumber, PidTagHomeTelephoneNumber, PidTagHome2TelephoneNumber, PidTagMobileTelephoneNumber,
 * PidTagBusinessFaxNumber, PidTagHomeFaxNumber, PidTagPrimaryFaxNumber (other fax), PidTagPagerTelephoneNumber,
 * PidTagCarTelephoneNumber, PidTagAssistantTelephoneNumber, PidTagCallbackTelephoneNumber,
 * PidTagCompanyMainTelephoneNumber, PidTagPrimaryTelephoneNumber, PidTagRadioTelephoneNumber, PidTagTelexNumber,
 * PidTagTelecommunicationsDeviceForDeafTelephoneNumber, PidTagIsdnNumber, PidTagOtherTelephoneNumber.
 */
export type PhoneKind =
  | 'business'
  | 'business2'
  | 'home'
  | 'home2'
  | 'mobile'
  | 'businessFax'
  | 'homeFax'
  | 'otherFax'
  | 'pager'
  | 'car'
  | 'assistant'
  | 'callback'
  | 'company'
  | 'primary'
  | 'radio'
  | 'telex'
  | 'tty'
  | 'isdn'
  | 'other';

export interface ContactPhone {
  readonly kind: PhoneKind;
  readonly number: string;
}

/** [PidLidPostalAddressId] 1 home, 2 work, 3 other. */
export type PostalAddressKind = 'work' | 'home' | 'other';

/**
 * A postal address. Work: PidLidWorkAddressStreet / City / State / PostalCode / Country / PostOfficeBox and
 * PidLidWorkAddress; home: PidTagHomeAddressStreet …; other: PidTagOtherAddressStreet …
 */
export interface PostalAddress {
  readonly kind: PostalAddressKind;
  readonly street?: string;
  readonly city?: string;
  /** State or province. */
  readonly region?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly poBox?: string;
  /** The mailing address (at most one). [PidLidPostalAddressId, PidTagPostalAddress …] */
  readonly isMailing?: boolean;
}

/**
 * A contact (message class IPM.Contact). Notes are the record's body; `subject` should be the display name (the
 * writer uses `displayName` when `subject` is empty).
 */
export interface ContactFields {
  /** [PidTagGivenName] */
  readonly givenName?: string;
  /** [PidTagMiddleName] */
  readonly middleName?: string;
  /** [PidTagSurname] */
  readonly surname?: string;
  /** e.g. `Dr.` [PidTagDisplayNamePrefix] */
  readonly prefix?: string;
  /** e.g. `Jr.` [PidTagGeneration] */
  readonly suffix?: string;
  /** [PidTagNickname] */
  readonly nickname?: string;
  /** [PidTagDisplayName, PidTagNormalizedSubject]; built from the name parts when absent. */
  readonly displayName?: string;
  /**
   * How the contact is sorted, e.g. `Doe, Jane`. [PidLidFileUnder]; not written when absent (a source that reads
   * vCards sets it; one that reads a PST passes what the item has).
   */
  readonly fileAs?: string;
  /** At most three, stored as e-mail 1, 2, 3. */
  readonly emails?: readonly ContactEmail[];
  /** At most one of each kind. */
  readonly phones?: readonly ContactPhone[];
  /** At most one of each kind. */
  readonly addresses?: readonly PostalAddress[];
  /** [PidTagCompanyName] */
  readonly company?: string;
  /** [PidTagTitle] */
  readonly jobTitle?: string;
  /** [PidTagDepartmentName] */
  readonly department?: string;
  /** The day (its UTC date counts). [PidTagBirthday, PidLidBirthdayLocal] */
  readonly birthday?: Date;
  /** [PidTagPersonalHomePage / PidTagBusinessHomePage, PidLidHtml] */
  readonly webPage?: string;
}
