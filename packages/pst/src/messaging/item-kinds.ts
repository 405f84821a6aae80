/**
 * The item kinds beside mail: each section of a record (`appointment`, `contact`, `task`, `note`,
 * `distributionList`) adds its kind's properties to the message's, then the carried properties follow (see
 * `ExtraProperty` for the precedence).
 */
import type { PropertyList } from '../ltp/property-value.js';
import { appointmentProperties, type KindContext, meetingRecipients } from './appointment.js';
import { storeExtraProperties } from './carried-properties.js';
import { contactDisplayName, contactProperties } from './contact.js';
import { distributionListProperties } from './distribution-list.js';
import type { MailAddress, MessageRecord, Recipient } from './record.js';
import { stickyNoteProperties } from './sticky-note.js';
import { taskProperties } from './task.js';

export type { KindContext } from './appointment.js';

/**
 * Adds to `p`, in this order of precedence: the properties of the record's kind section that its given fields
 * set, then its carried properties, then `defaults` with what the section's absent fields default to (so that a PST
 * item whose reminder, recurrence flag or response status is carried keeps it).
 */
export function kindProperties(
  ctx: KindContext,
  record: MessageRecord,
  subject: string,
  p: PropertyList,
  defaults: PropertyList,
): void {
  if (record.appointment) appointmentProperties(ctx, record.appointment, p, defaults);
  else if (record.contact) contactProperties(ctx, record.contact, p, defaults);
  else if (record.task) taskProperties(ctx, record.task, p, defaults);
  else if (record.note) stickyNoteProperties(ctx, record.note, p, defaults);
  else if (record.distributionList) distributionListProperties(ctx, record.distributionList, subject, p);
  storeExtraProperties(ctx.names, record.extraProperties, p, 'message.extraProperties');
  for (const d of defaults.items) if (!p.has(d.tag >>> 16)) p.raw(d.tag, d.value);
}

/** The subject an item shows: a contact without one shows its display name. */
export function itemSubject(record: MessageRecord): string {
  return record.subject === '' && record.contact ? contactDisplayName(record.contact) : record.subject;
}

/** The author: `from`, else `sender`, else a meeting's organizer. */
export function itemAuthor(record: MessageRecord): MailAddress | undefined {
  return record.from ?? record.sender ?? record.appointment?.organizer;
}

/** A meeting's recipient rows (organizer first, then the attendees), or undefined for an item without attendees. */
export function meetingRows(record: MessageRecord): ReturnType<typeof meetingRecipients> | undefined {
  const attendees = record.appointment?.attendees;
  if (!attendees || attendees.length === 0) return undefined;
  return meetingRecipients(record.appointment?.organizer ?? itemAuthor(record), attendees);
}

/**
 * The recipients listed in PidTagDisplayTo / Cc / Bcc: a meeting's rows (its organizer is a "to" row, as in
 * Outlook's meetings), else the record's recipients.
 */
export function listedRecipients(record: MessageRecord): readonly Recipient[] {
  return meetingRows(record)?.map((row) => row.recipient) ?? record.recipients ?? [];
}
