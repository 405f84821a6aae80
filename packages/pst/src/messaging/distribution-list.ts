/**
 * Distribution-list properties — [MS-OXOCNTC] (PSETID_Address): the name and the members, each as a one-off EntryID
 * (the members are addresses, not links to contacts), and PidLidDistributionListChecksum: the CRC of the members'
 * values concatenated, computed as the PST CRC is (initial value 0, no final XOR; [MS-PST] §5.3) — what the
 * Outlook-made list in `javalibpst_dist-list.pst` holds, where the CRC-32 of zlib does not match.
 */
import { pstCrc } from '../encode/crc.js';
import type { PropertyList } from '../ltp/property-value.js';
import type { KindContext } from './appointment.js';
import { oneOffEntryId } from './entry-id.js';
import { NamedSetWriter } from './item-properties.js';
import { PropertySet } from './named-properties.js';
import type { DistributionListFields } from './note-record.js';

const Lid = {
  DistributionListChecksum: 0x804c,
  DistributionListName: 0x8053,
  DistributionListOneOffMembers: 0x8054,
  DistributionListMembers: 0x8055,
} as const;

export function distributionListProperties(
  ctx: KindContext,
  d: DistributionListFields,
  name: string,
  p: PropertyList,
): void {
  const address = new NamedSetWriter(p, ctx.names, PropertySet.Address);
  const members = d.members.map((m) =>
    oneOffEntryId(m.name || m.address || '', m.addressType || 'SMTP', m.address ?? ''),
  );
  const all = new Uint8Array(members.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of members) {
    all.set(m, at);
    at += m.length;
  }
  const crc = pstCrc(all);
  address
    .string(Lid.DistributionListName, name)
    .binaries(Lid.DistributionListMembers, members)
    .binaries(Lid.DistributionListOneOffMembers, members)
    .int32(Lid.DistributionListChecksum, crc);
}
