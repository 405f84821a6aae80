/**
 * The appointment section of a record — [MS-OXOCAL]: the calendar properties Outlook reads, most of them named
 * properties in PSETID_Appointment {00062002-0000-0000-C000-000000000046} and PSETID_Common.
 */
import type { MailAddress } from './record.js';
import type { RecurrencePattern } from './recurrence.js';

/** [PidLidBusyStatus] 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere. */
export type BusyStatus = 'free' | 'tentative' | 'busy' | 'outOfOffice' | 'workingElsewhere';

/** A reminder. [PidLidReminderSet, PidLidReminderDelta, PidLidReminderTime, PidLidReminderSignalTime] */
export interface Reminder {
  /** Whether the reminder is on. */
  readonly set: boolean;
  /** Minutes before the start (appointment) or the due date (task); 15 when absent. */
  readonly minutesBefore?: number;
}

/**
 * When daylight time starts or ends, as Windows gives it (a SYSTEMTIME in "day of month" form, [MS-OXOCAL]
 * §2.2.1.41): the `week`-th `weekday` of `month` (week 5 = the last), at `hour`:`minute` local time.
 */
export interface TimeZoneTransition {
  /** 1..12 */
  readonly month: number;
  /** 1..4, or 5 for the last. */
  readonly week: number;
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekday: number;
  readonly hour: number;
  readonly minute?: number;
}

/**
 * One rule of a time zone ([MS-OXOCAL] §2.2.1.41.1 TZRULE; §2.2.1.39 PidLidTimeZoneStruct). Offsets in minutes with
 * the Windows sign: UTC = local time + `bias` + the standard or daylight bias (UTC+1 has bias −60).
 */
export interface TimeZoneRule {
  /** The first year the rule applies to; the rule list's first rule applies to all years before. */
  readonly fromYear: number;
  readonly bias: number;
  /** 0 when absent. */
  readonly standardBias?: number;
  /** −60 when absent (and daylight time is observed). */
  readonly daylightBias?: number;
  /** Both absent: no daylight time. */
  readonly standardStart?: TimeZoneTransition;
  readonly daylightStart?: TimeZoneTransition;
}

/**
 * The time zone the appointment was made in, which places a recurrence's occurrences and an all-day event's days.
 * [PidLidTimeZoneDescription, PidLidTimeZoneStruct, PidLidAppointmentTimeZoneDefinitionStartDisplay / EndDisplay /
 * Recur]
 */
export interface AppointmentTimeZone {
  /** An IANA id (`Europe/Berlin`) or a Windows name (`W. Europe Standard Time`); the TZDEFINITION key name. */
  readonly id: string;
  /**
   * The rules, oldest first. When absent the writer derives one from the IANA `id` (the offsets and daylight-time
   * changes in the year of the start, as the platform's time zone data give them); an id it cannot resolve is an
   * input error.
   */
  readonly rules?: readonly TimeZoneRule[];
}

/** [PidTagRecipientType] of a meeting: 1 required, 2 optional, 3 a resource (room or equipment). */
export type AttendeeRole = 'required' | 'optional' | 'resource';

/** [PidTagRecipientTrackStatus] 0 none, 2 tentative, 3 accepted, 4 declined, 5 not responded. */
export type AttendeeResponse = 'none' | 'tentative' | 'accepted' | 'declined' | 'notResponded';

/** An attendee: a row of the recipient table. */
export interface Attendee extends MailAddress {
  /** `required` when absent. */
  readonly role?: AttendeeRole;
  /** `none` when absent. */
  readonly response?: AttendeeResponse;
}

/**
 * An appointment or meeting (message class IPM.Appointment). Subject and body are the record's; a meeting is an
 * appointment with attendees.
 */
export interface AppointmentFields {
  /** [PidLidAppointmentStartWhole, PidLidCommonStart, PidTagStartDate]; of the first occurrence when recurring. */
  readonly start: Date;
  /** [PidLidAppointmentEndWhole, PidLidCommonEnd, PidTagEndDate]; not before `start`. [PidLidAppointmentDuration] */
  readonly end: Date;
  /**
   * [PidLidAppointmentSubType] An all-day event: `start` and `end` are midnights in the time zone (UTC when there is
   * none), `end` the midnight after the last day.
   */
  readonly allDay?: boolean;
  readonly timeZone?: AppointmentTimeZone;
  /** [PidLidLocation] */
  readonly location?: string;
  readonly recurrence?: RecurrencePattern;
  /** The meeting's organizer; `from` when absent. [PidTagSentRepresenting*, the recipient row with recipOrganizer] */
  readonly organizer?: MailAddress;
  /**
   * Any attendees make it a meeting. The recipient table holds them instead of the record's `recipients` when
   * given. [recipient table, PidLidAppointmentStateFlags asfMeeting, PidLidToAttendeesString, PidLidCcAttendeesString]
   */
  readonly attendees?: readonly Attendee[];
  /** `busy` when absent. */
  readonly busyStatus?: BusyStatus;
  /** No reminder when absent. */
  readonly reminder?: Reminder;
}
