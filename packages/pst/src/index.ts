/**
 * @pstream/pst — writes Microsoft Outlook PST files (Unicode, [MS-PST]) and checks their structure.
 */

// The writer
export { PstWriter } from './pst-writer.js';
export type { PstWriterOptions, PstFileSummary } from './pst-writer.js';

// The errors: one base class, a `code` in kebab-case
export { PstError } from './errors.js';
export type { PstErrorCode } from './errors.js';
export { PstInputError, MAX_ATTACHMENT_BYTES } from './messaging/validate.js';
export { AttachmentSizeError } from './messaging/message.js';

// The input model
export type {
  Attachment,
  ByteSource,
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
/** When two sibling folder names are one folder (case and Unicode normalisation aside), as the writer merges them. */
export { siblingKey } from './messaging/folder.js';

// The structural checker
export { checkPst } from './check/index.js';
export type { CheckFinding, CheckOptions, CheckReport, CheckSeverity, CheckStats } from './check/index.js';

// Item kinds: the sections of the input model, RRULE to the format's recurrence pattern, and the type codes of
// carried properties
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
export { PROPERTY_TYPE_CODES } from './messaging/extra-properties.js';
