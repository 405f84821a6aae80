/**
 * Appointment and meeting properties — [MS-OXOCAL] §2.2.1 (PSETID_Appointment) with the PSETID_Common start, end and
 * reminder, and the recipient table of a meeting (the organizer's row first, flagged recipOrganizer).
 */
import { PropType, tag } from '../ltp/property-type.js';
import type { PropertyList } from '../ltp/property-value.js';
import type { Cell } from '../ltp/table-context.js';
import type { AppointmentFields, Attendee, AttendeeResponse, BusyStatus, Reminder } from './appointment-record.js';
import { NamedSetWriter } from './item-properties.js';
import { type NamedPropertyMap, PropertySet } from './named-properties.js';
import type { MailAddress, Recipient } from './record.js';
import { RECURRENCE_TYPE, recurrenceLayout } from './recurrence-blob.js';
import { resolveZone, timeZoneDefinition, timeZoneStruct, type ZoneCache } from './time-zone.js';

/** PidLid LIDs in PSETID_Appointment — [MS-OXPROPS]. */
const Lid = {
  AppointmentSequence: 0x8201,
  BusyStatus: 0x8205,
  Location: 0x8208,
  AppointmentStartWhole: 0x820d,
  AppointmentEndWhole: 0x820e,
  AppointmentDuration: 0x8213,
  AppointmentSubType: 0x8215,
  AppointmentRecur: 0x8216,
  AppointmentStateFlags: 0x8217,
  ResponseStatus: 0x8218,
  Recurring: 0x8223,
  IntendedBusyStatus: 0x8224,
  FInvited: 0x8229,
  RecurrenceType: 0x8231,
  RecurrencePattern: 0x8232,
  TimeZoneStruct: 0x8233,
  TimeZoneDescription: 0x8234,
  ClipStart: 0x8235,
  ClipEnd: 0x8236,
  AllAttendeesString: 0x8238,
  ToAttendeesString: 0x823b,
  CcAttendeesString: 0x823c,
  AppointmentTimeZoneDefinitionStartDisplay: 0x825e,
  AppointmentTimeZoneDefinitionEndDisplay: 0x825f,
  AppointmentTimeZoneDefinitionRecur: 0x8260,
} as const;

/** PidLid LIDs in PSETID_Common — [MS-OXPROPS]. */
export const CommonLid = {
  ReminderDelta: 0x8501,
  ReminderTime: 0x8502,
  ReminderSet: 0x8503,
  CommonStart: 0x8516,
  CommonEnd: 0x8517,
  TaskMode: 0x8518,
  ReminderSignalTime: 0x8560,
} as const;

const BUSY: Record<BusyStatus, number> = { free: 0, tentative: 1, busy: 2, outOfOffice: 3, workingElsewhere: 4 };
/** PidTagRecipientTrackStatus ([MS-OXOCAL]). */
const TRACK: Record<AttendeeResponse, number> = { none: 0, tentative: 2, accepted: 3, declined: 4, notResponded: 5 };
/** PidTagRecipientFlags: recipSendable 0x1, recipOrganizer 0x2. */
const RECIP_SENDABLE = 0x1;
const RECIP_ORGANIZER = 0x2;
/** PidLidAppointmentStateFlags: asfMeeting. */
const ASF_MEETING = 0x1;
/** PidLidResponseStatus: respNone 0, respOrganized 1. */
const RESP_ORGANIZED = 1;

const TAG_START_DATE = 0x0060; // PidTagStartDate
const TAG_END_DATE = 0x0061; // PidTagEndDate
export const TAG_RECIPIENT_FLAGS = tag(0x5ffd, PropType.Integer32);
export const TAG_RECIPIENT_TRACK_STATUS = tag(0x5fff, PropType.Integer32);

export interface KindContext {
  readonly names: NamedPropertyMap;
  readonly zones: ZoneCache;
}

/**
 * The reminder properties (PSETID_Common), relative to `due`; without a reminder, "none" goes to `defaults` (a
 * carried reminder then wins).
 */
export function reminderProperties(
  common: NamedSetWriter,
  defaults: NamedSetWriter,
  reminder: Reminder | undefined,
  due: Date | undefined,
): void {
  const minutes = reminder?.minutesBefore ?? 15;
  (reminder ? common : defaults)
    .bool(CommonLid.ReminderSet, reminder?.set === true)
    .int32(CommonLid.ReminderDelta, minutes);
  if (reminder?.set && due) {
    common
      .time(CommonLid.ReminderTime, due)
      .time(CommonLid.ReminderSignalTime, new Date(due.getTime() - minutes * 60_000));
  }
}

/**
 * Writes the appointment's properties: those of its given fields to `p`, and the values Outlook expects of an
 * appointment whose field is absent (not busy-free, not recurring, no meeting) to `defaults`, which carried
 * properties override (see `kindProperties`).
 */
export function appointmentProperties(
  ctx: KindContext,
  a: AppointmentFields,
  p: PropertyList,
  defaults: PropertyList,
): void {
  const appt = new NamedSetWriter(p, ctx.names, PropertySet.Appointment);
  const common = new NamedSetWriter(p, ctx.names, PropertySet.Common);
  const apptDefault = new NamedSetWriter(defaults, ctx.names, PropertySet.Appointment);
  const commonDefault = new NamedSetWriter(defaults, ctx.names, PropertySet.Common);
  const duration = Math.round((a.end.getTime() - a.start.getTime()) / 60_000);
  const busy = BUSY[a.busyStatus ?? 'busy'];
  const attendees = a.attendees ?? [];
  const meeting = attendees.length > 0;
  appt
    .time(Lid.AppointmentStartWhole, a.start)
    .time(Lid.AppointmentEndWhole, a.end)
    .int32(Lid.AppointmentDuration, duration)
    .string(Lid.Location, a.location);
  (a.allDay !== undefined ? appt : apptDefault).bool(Lid.AppointmentSubType, a.allDay === true);
  (a.busyStatus !== undefined ? appt : apptDefault).int32(Lid.BusyStatus, busy);
  // What the organizer meant the attendees' status to be: the item's own status unless a source carries it.
  apptDefault.int32(Lid.IntendedBusyStatus, busy);
  // A meeting as its organizer keeps it, unless a source carries the item's own state (a received meeting).
  apptDefault
    .int32(Lid.AppointmentStateFlags, meeting ? ASF_MEETING : 0)
    .int32(Lid.ResponseStatus, meeting ? RESP_ORGANIZED : 0);
  apptDefault.int32(Lid.AppointmentSequence, 0).bool(Lid.FInvited, false);
  (a.recurrence ? appt : apptDefault)
    .bool(Lid.Recurring, a.recurrence !== undefined)
    .int32(Lid.RecurrenceType, a.recurrence ? RECURRENCE_TYPE[a.recurrence.frequency] : 0);
  common.time(CommonLid.CommonStart, a.start).time(CommonLid.CommonEnd, a.end);
  p.time(TAG_START_DATE, a.start).time(TAG_END_DATE, a.end);
  reminderProperties(common, commonDefault, a.reminder, a.start);

  const year = a.start.getUTCFullYear();
  const zone = resolveZone(a.timeZone, year, ctx.zones, 'message.appointment.timeZone');
  if (a.timeZone) {
    appt
      .binary(Lid.AppointmentTimeZoneDefinitionStartDisplay, timeZoneDefinition(zone, year, false))
      .binary(Lid.AppointmentTimeZoneDefinitionEndDisplay, timeZoneDefinition(zone, a.end.getUTCFullYear(), false));
  }
  if (a.recurrence) {
    const layout = recurrenceLayout(a.recurrence, a.start, duration, zone, 'message.appointment.recurrence');
    appt
      .binary(Lid.AppointmentRecur, layout.blob)
      .string(Lid.RecurrencePattern, layout.description)
      .time(Lid.ClipStart, layout.clipStart)
      .time(Lid.ClipEnd, layout.clipEnd)
      .binary(Lid.TimeZoneStruct, timeZoneStruct(zone, year))
      .string(Lid.TimeZoneDescription, zone.id)
      .binary(Lid.AppointmentTimeZoneDefinitionRecur, timeZoneDefinition(zone, year, true));
  } else {
    apptDefault.time(Lid.ClipStart, a.start).time(Lid.ClipEnd, a.end);
  }
  if (meeting) {
    const names = (role: Attendee['role']): string =>
      attendees
        .filter((x) => (x.role ?? 'required') === role)
        .map((x) => x.name || x.address || '')
        .join('; ');
    appt
      .string(Lid.ToAttendeesString, names('required'))
      .string(Lid.CcAttendeesString, names('optional'))
      .string(Lid.AllAttendeesString, attendees.map((x) => x.name || x.address || '').join('; '));
  }
}

const ROLE_KIND = { required: 'to', optional: 'cc', resource: 'bcc' } as const;

/** A meeting's recipient rows: the organizer, then the attendees, with their flags and responses. */
export function meetingRecipients(
  organizer: MailAddress | undefined,
  attendees: readonly Attendee[],
): { recipient: Recipient; flags: number; track: number }[] {
  const rows: { recipient: Recipient; flags: number; track: number }[] = [];
  if (organizer)
    rows.push({ recipient: { ...organizer, kind: 'to' }, flags: RECIP_SENDABLE | RECIP_ORGANIZER, track: 0 });
  for (const a of attendees) {
    rows.push({
      recipient: {
        name: a.name,
        address: a.address,
        addressType: a.addressType,
        kind: ROLE_KIND[a.role ?? 'required'],
      },
      flags: RECIP_SENDABLE,
      track: TRACK[a.response ?? 'none'],
    });
  }
  return rows;
}

/** Cells of the two meeting columns. */
export function meetingCells(flags: number, track: number): [number, Cell][] {
  return [
    [TAG_RECIPIENT_FLAGS, flags],
    [TAG_RECIPIENT_TRACK_STATUS, track],
  ];
}
