/**
 * EntryIDs — [MS-PST] §2.4.3.2: rgbFlags (4 zero bytes), the store's provider UID (its PidTagRecordKey), the NID.
 * One-off EntryIDs for recipients — [MS-OXCDATA] §2.2.5.1.
 */
import { utf16 } from '../ltp/property-value.js';
import { viewOf } from '../io/bytes.js';

export function entryId(storeRecordKey: Uint8Array, nid: number): Uint8Array {
  const bytes = new Uint8Array(24);
  bytes.set(storeRecordKey, 4);
  viewOf(bytes).setUint32(20, nid, true);
  return bytes;
}

/** The provider UID of one-off addresses: 812B1FA4-BEA3-1019-9D6E-00DD010F5402. */
const ONE_OFF_PROVIDER = Uint8Array.from([0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19, 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02]);
/** MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO. */
const ONE_OFF_FLAGS = 0x8000 | 0x0001;

export function oneOffEntryId(displayName: string, addressType: string, address: string): Uint8Array {
  const parts = [displayName, addressType, address].map((s) => utf16(s));
  const length = 24 + parts.reduce((n, p) => n + p.length + 2, 0);
  const bytes = new Uint8Array(length);
  bytes.set(ONE_OFF_PROVIDER, 4);
  const view = viewOf(bytes);
  view.setUint16(20, 0, true); // version
  view.setUint16(22, ONE_OFF_FLAGS, true);
  let at = 24;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length + 2; // NUL-terminated
  }
  return bytes;
}

/** PidTagSearchKey of an address: "TYPE:ADDRESS" upper-cased, ASCII, NUL-terminated ([MS-OXCMSG] §2.2.1.22). */
export function addressSearchKey(addressType: string, address: string): Uint8Array {
  const text = `${addressType}:${address}`.toUpperCase();
  const bytes = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes[i] = c < 0x80 ? c : 0x3f;
  }
  return bytes;
}
