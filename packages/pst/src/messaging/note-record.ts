/**
 * The sticky-note and distribution-list sections of a record — [MS-OXONOTE] (PSETID_Note
 * {0006200E-0000-0000-C000-000000000046}) and [MS-OXOCNTC] (PSETID_Address).
 */
import type { MailAddress } from './record.js';

/** [PidLidNoteColor] 0 blue, 1 green, 2 pink, 3 yellow, 4 white. */
export type NoteColor = 'blue' | 'green' | 'pink' | 'yellow' | 'white';

/** A sticky note (message class IPM.StickyNote): its text is the record's body, its title the subject. */
export interface StickyNoteFields {
  /** `yellow` when absent. */
  readonly color?: NoteColor;
  /** The window's size and place in pixels. [PidLidNoteWidth, PidLidNoteHeight, PidLidNoteX, PidLidNoteY] */
  readonly width?: number;
  readonly height?: number;
  readonly x?: number;
  readonly y?: number;
}

/**
 * A distribution list (message class IPM.DistList), from PST and MSG sources. Its name is the record's subject.
 * Members are stored as one-off EntryIDs. [PidLidDistributionListName, PidLidDistributionListMembers,
 * PidLidDistributionListOneOffMembers, PidLidDistributionListChecksum]
 */
export interface DistributionListFields {
  /** Each with an address; `name` shows in the list. */
  readonly members: readonly MailAddress[];
}
