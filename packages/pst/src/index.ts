/**
 * @pstream/pst — writes Microsoft Outlook PST files (Unicode, [MS-PST]) and checks their structure.
 */

// The writer

export type { PstFileSummary, PstWriterOptions } from './pst-writer.js';
export { PstWriter } from './pst-writer.js';

// The errors: one base class, a `code` in kebab-case

export type { PstErrorCode } from './errors.js';
export { PstError } from './errors.js';
export { AttachmentSizeError } from './messaging/message.js';
export { MAX_ATTACHMENT_BYTES, PstInputError } from './messaging/validate.js';

// The input model

/** When two sibling folder names are one folder (case and Unicode normalisation aside), as the writer merges them. */
export { siblingKey } from './messaging/folder.js';
export type {
  Attachment,
  ByteSource,
  ByteSourceOptions,
  EmbeddedMessageAttachment,
  FileAttachment,
  FolderSpec,
  Importance,
  MailAddress,
  MessageRecord,
  Recipient,
  RecipientKind,
  Sensitivity,
} from './messaging/record.js';

// The structural checker

export type { CheckFinding, CheckOptions, CheckReport, CheckSeverity, CheckStats } from './check/index.js';
export { checkPst } from './check/index.js';

// Item kinds: the sections of the input model, RRULE to the format's recurrence pattern, and the type codes of
// carried properties

export { PROPERTY_TYPE_CODES } from './messaging/extra-properties.js';
export type {
  AppointmentFields,
  AppointmentTimeZone,
  Attendee,
  AttendeeResponse,
  AttendeeRole,
  BusyStatus,
  ContactEmail,
  ContactFields,
  ContactPhone,
  DistributionListFields,
  ExtraProperty,
  ExtraPropertyType,
  ExtraPropertyValue,
  NamedExtraProperty,
  NoteColor,
  PhoneKind,
  PostalAddress,
  PostalAddressKind,
  RecurrencePattern,
  RecurrenceRule,
  Reminder,
  StickyNoteFields,
  TaggedExtraProperty,
  TaskFields,
  TaskStatus,
  TimeZoneRule,
  TimeZoneTransition,
  UnsupportedRecurrence,
  Weekday,
} from './messaging/record.js';
export { recurrenceFromRule, WEEKDAYS } from './messaging/recurrence.js';
