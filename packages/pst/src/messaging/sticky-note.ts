/**
 * Sticky-note properties — [MS-OXONOTE] §2.2.1 (PSETID_Note): the color and the window's size and place.
 */
import type { PropertyList } from '../ltp/property-value.js';
import type { KindContext } from './appointment.js';
import { NamedSetWriter } from './item-properties.js';
import { PropertySet } from './named-properties.js';
import type { NoteColor, StickyNoteFields } from './note-record.js';

const Lid = { NoteColor: 0x8b00, NoteWidth: 0x8b02, NoteHeight: 0x8b03, NoteX: 0x8b04, NoteY: 0x8b05 } as const;
const COLOR: Record<NoteColor, number> = { blue: 0, green: 1, pink: 2, yellow: 3, white: 4 };

export function stickyNoteProperties(ctx: KindContext, n: StickyNoteFields, p: PropertyList): void {
  const note = new NamedSetWriter(p, ctx.names, PropertySet.Note);
  note
    .int32(Lid.NoteColor, COLOR[n.color ?? 'yellow'])
    .int32(Lid.NoteWidth, n.width ?? 200)
    .int32(Lid.NoteHeight, n.height ?? 166)
    .int32(Lid.NoteX, n.x ?? 0)
    .int32(Lid.NoteY, n.y ?? 0);
}
