/**
 * Sticky-note properties — [MS-OXONOTE] (PSETID_Note): the color and the window's size and place.
 */
import type { PropertyList } from '../ltp/property-value.js';
import type { KindContext } from './appointment.js';
import { NamedSetWriter } from './item-properties.js';
import { PropertySet } from './named-properties.js';
import type { NoteColor, StickyNoteFields } from './note-record.js';

const Lid = { NoteColor: 0x8b00, NoteWidth: 0x8b02, NoteHeight: 0x8b03, NoteX: 0x8b04, NoteY: 0x8b05 } as const;
const COLOR: Record<NoteColor, number> = { blue: 0, green: 1, pink: 2, yellow: 3, white: 4 };

/** Given fields to `p`; Outlook's values for absent ones (a yellow 200 × 166 note) to `defaults`. */
export function stickyNoteProperties(
  ctx: KindContext,
  n: StickyNoteFields,
  p: PropertyList,
  defaults: PropertyList,
): void {
  const note = new NamedSetWriter(p, ctx.names, PropertySet.Note);
  const noteDefault = new NamedSetWriter(defaults, ctx.names, PropertySet.Note);
  const put = (lid: number, value: number | undefined, fallback: number): void =>
    void (value !== undefined ? note : noteDefault).int32(lid, value ?? fallback);
  put(Lid.NoteColor, n.color && COLOR[n.color], COLOR.yellow);
  put(Lid.NoteWidth, n.width, 200);
  put(Lid.NoteHeight, n.height, 166);
  put(Lid.NoteX, n.x, 0);
  put(Lid.NoteY, n.y, 0);
}
