/**
 * Property ids and table schemas of the messaging layer — [MS-PST] §2.4 with the column sets an Outlook-made store
 * has (`outlook-empty.pst`), which differ from the spec's lists in places (0E30 is Binary, 3613 is a string).
 */
import { PropType as T, tag } from '../ltp/property-type.js';

/** Property ids (MS-OXPROPS canonical names in comments). */
export const Prop = {
  Importance: 0x0017, // PidTagImportance
  MessageClass: 0x001a, // PidTagMessageClass
  Sensitivity: 0x0036, // PidTagSensitivity
  Subject: 0x0037, // PidTagSubject
  ClientSubmitTime: 0x0039, // PidTagClientSubmitTime
  SentRepresentingSearchKey: 0x003b,
  ReceivedByName: 0x0040,
  SentRepresentingName: 0x0042, // PidTagSentRepresentingName
  MessageToMe: 0x0057,
  MessageCcMe: 0x0058,
  SentRepresentingAddressType: 0x0064,
  SentRepresentingEmailAddress: 0x0065,
  ConversationTopic: 0x0070,
  ConversationIndex: 0x0071,
  TransportMessageHeaders: 0x007d,
  RecipientType: 0x0c15,
  SenderName: 0x0c1a,
  SenderAddressType: 0x0c1e,
  SenderEmailAddress: 0x0c1f,
  DisplayBcc: 0x0e02,
  DisplayCc: 0x0e03,
  DisplayTo: 0x0e04,
  MessageDeliveryTime: 0x0e06,
  MessageFlags: 0x0e07,
  MessageSize: 0x0e08,
  Responsibility: 0x0e0f,
  MessageStatus: 0x0e17,
  NormalizedSubject: 0x0e1d,
  AttachSize: 0x0e20,
  AttachNumber: 0x0e21,
  ReplItemId: 0x0e30,
  ReplChangeNumber: 0x0e33,
  ReplVersionHistory: 0x0e34,
  ReplFlags: 0x0e38,
  RecordKey: 0x0ff9,
  ObjectType: 0x0ffe,
  EntryId: 0x0fff,
  Body: 0x1000,
  Html: 0x1013,
  RtfCompressed: 0x1009,
  RtfInSync: 0x0e1f,
  NativeBody: 0x1016,
  InternetMessageId: 0x1035,
  InternetReferences: 0x1039,
  InReplyToId: 0x1042,
  DisplayName: 0x3001,
  AddressType: 0x3002,
  EmailAddress: 0x3003,
  Comment: 0x3004,
  CreationTime: 0x3007,
  LastModificationTime: 0x3008,
  SearchKey: 0x300b,
  ValidFolderMask: 0x35df,
  IpmSubTreeEntryId: 0x35e0,
  IpmWastebasketEntryId: 0x35e3,
  FinderEntryId: 0x35e7,
  ContentCount: 0x3602,
  ContentUnreadCount: 0x3603,
  Subfolders: 0x360a,
  ContainerClass: 0x3613,
  AttachDataBinary: 0x3701,
  AttachExtension: 0x3703,
  AttachFilename: 0x3704,
  AttachMethod: 0x3705,
  AttachLongFilename: 0x3707,
  RenderingPosition: 0x370b,
  AttachMimeTag: 0x370e,
  AttachContentId: 0x3712,
  AttachFlags: 0x3714,
  DisplayType: 0x3900,
  SmtpAddress: 0x39fe,
  TransmittableDisplayName: 0x3a20,
  SendRichInfo: 0x3a40,
  InternetCodepage: 0x3fde,
  MessageCodepage: 0x3ffd,
  SearchCriteria: 0x660b,
  PstPassword: 0x67ff,
  AttachmentHidden: 0x7ffe,
  NameidBucketCount: 0x0001,
  NameidStreamGuid: 0x0002,
  NameidStreamEntry: 0x0003,
  NameidStreamString: 0x0004,
  NameidBucketBase: 0x1000,
} as const;

/** Hierarchy table template 0x60D: [MS-PST] §2.4.4.4.1, Outlook's types. */
export const HIERARCHY_COLUMNS = [
  tag(0x0e30, T.Binary),
  tag(0x0e33, T.Integer64),
  tag(0x0e34, T.Binary),
  tag(0x0e38, T.Integer32),
  tag(0x3001, T.String),
  tag(0x3602, T.Integer32),
  tag(0x3603, T.Integer32),
  tag(0x360a, T.Boolean),
  tag(0x3613, T.String),
  tag(0x6635, T.Integer32),
  tag(0x6636, T.Integer32),
];

/** Contents table template 0x60E: [MS-PST] §2.4.4.5.1 plus Outlook's 3013. */
export const CONTENTS_COLUMNS = [
  tag(0x0017, T.Integer32),
  tag(0x001a, T.String),
  tag(0x0036, T.Integer32),
  tag(0x0037, T.String),
  tag(0x0039, T.Time),
  tag(0x0042, T.String),
  tag(0x0057, T.Boolean),
  tag(0x0058, T.Boolean),
  tag(0x0070, T.String),
  tag(0x0071, T.Binary),
  tag(0x0e03, T.String),
  tag(0x0e04, T.String),
  tag(0x0e06, T.Time),
  tag(0x0e07, T.Integer32),
  tag(0x0e08, T.Integer32),
  tag(0x0e17, T.Integer32),
  tag(0x0e30, T.Binary),
  tag(0x0e33, T.Integer64),
  tag(0x0e34, T.Binary),
  tag(0x0e38, T.Integer32),
  tag(0x0e3c, T.Binary),
  tag(0x0e3d, T.Binary),
  tag(0x1097, T.Integer32),
  tag(0x3008, T.Time),
  tag(0x3013, T.Binary),
  tag(0x65c6, T.Integer32),
];

/** Columns of the contents table that hold the message's own properties (the rest are row-only metadata). */
export const CONTENTS_COPIED = CONTENTS_COLUMNS.filter(
  (t) => ![0x0e30, 0x0e33, 0x0e34, 0x0e38, 0x0e3c, 0x0e3d, 0x3013].includes(t >>> 16),
);

/** FAI contents table template 0x60F: [MS-PST] §2.4.4.6.1 plus Outlook's 682F. */
export const FAI_COLUMNS = [
  tag(0x001a, T.String),
  tag(0x0e07, T.Integer32),
  tag(0x0e17, T.Integer32),
  tag(0x3001, T.String),
  tag(0x6800, T.String),
  tag(0x6803, T.Boolean),
  tag(0x6805, T.MultipleInteger32),
  tag(0x682f, T.String),
  tag(0x7003, T.Integer32),
  tag(0x7004, T.Binary),
  tag(0x7005, T.Binary),
  tag(0x7006, T.String),
  tag(0x7007, T.Integer32),
];

/** Search contents table template 0x610: [MS-PST] §2.4.8.6.2.1. */
export const SEARCH_CONTENTS_COLUMNS = [
  tag(0x0017, T.Integer32),
  tag(0x001a, T.String),
  tag(0x0036, T.Integer32),
  tag(0x0037, T.String),
  tag(0x0042, T.String),
  tag(0x0057, T.Boolean),
  tag(0x0058, T.Boolean),
  tag(0x0e03, T.String),
  tag(0x0e04, T.String),
  tag(0x0e05, T.String),
  tag(0x0e06, T.Time),
  tag(0x0e07, T.Integer32),
  tag(0x0e08, T.Integer32),
  tag(0x0e17, T.Integer32),
  tag(0x0e2a, T.Boolean),
  tag(0x3008, T.Time),
  tag(0x67f1, T.Integer32),
];

/** Recipient table template 0x692: [MS-PST] §2.4.5.3.1. */
export const RECIPIENT_COLUMNS = [
  tag(0x0c15, T.Integer32),
  tag(0x0e0f, T.Boolean),
  tag(0x0ff9, T.Binary),
  tag(0x0ffe, T.Integer32),
  tag(0x0fff, T.Binary),
  tag(0x3001, T.String),
  tag(0x3002, T.String),
  tag(0x3003, T.String),
  tag(0x300b, T.Binary),
  tag(0x3900, T.Integer32),
  tag(0x39ff, T.String),
  tag(0x3a40, T.Boolean),
];

/** Extra recipient columns this writer fills: PidTagSmtpAddress, PidTagTransmittableDisplayName. */
export const RECIPIENT_EXTRA_COLUMNS = [tag(0x39fe, T.String), tag(0x3a20, T.String)];

/** Attachment table template 0x671: [MS-PST] §2.4.6.1.1. */
export const ATTACHMENT_COLUMNS = [
  tag(0x0e20, T.Integer32),
  tag(0x3704, T.String),
  tag(0x3705, T.Integer32),
  tag(0x370b, T.Integer32),
];

/** Receive folder table 0x62B. */
export const RECEIVE_FOLDER_COLUMNS = [tag(0x001a, T.String), tag(0x6605, T.Integer32)];
/** Outgoing queue table 0x64C. */
export const OUTGOING_QUEUE_COLUMNS = [tag(0x0039, T.Time), tag(0x0e10, T.Integer32), tag(0x0e14, T.Integer32)];
/** Contents index template 0x6B6. */
export const CONTENTS_INDEX_COLUMNS = [tag(0x0e33, T.Integer64), tag(0x0e37, T.Binary), tag(0x0e38, T.Integer32)];
/** Search index template 0x6D7. */
export const SEARCH_INDEX_COLUMNS = [
  tag(0x001a, T.String),
  tag(0x0e30, T.Binary),
  tag(0x0e31, T.Binary),
  tag(0x0e33, T.Integer64),
  tag(0x0e34, T.Binary),
  tag(0x0e38, T.Integer32),
  tag(0x0e3e, T.Binary),
];
/** Attachment index template 0x6F8. */
export const ATTACHMENT_INDEX_COLUMNS = [tag(0x0e33, T.Integer64), tag(0x3007, T.Time)];

/** PidTagMessageFlags bits: [MS-OXCMSG] §2.2.1.6. */
export const MessageFlag = {
  Read: 0x01,
  Unmodified: 0x02,
  Unsent: 0x08,
  HasAttach: 0x10,
} as const;
