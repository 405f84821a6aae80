/**
 * EntryIDs — [MS-PST] §2.4.3.2: rgbFlags (4 zero bytes), the store's provider UID (its PidTagRecordKey), the NID.
 * One-off EntryIDs for recipients — [MS-OXCDATA] §2.2.5.1.
 */

import { putU16, viewOf } from '../io/bytes.js';
import { cleanText } from '../ltp/property-value.js';

export function entryId(storeRecordKey: Uint8Array, nid: number): Uint8Array {
  const bytes = new Uint8Array(24);
  bytes.set(storeRecordKey, 4);
  viewOf(bytes).setUint32(20, nid, true);
  return bytes;
}

/** The provider UID of one-off addresses: 812B1FA4-BEA3-1019-9D6E-00DD010F5402. */
const ONE_OFF_PROVIDER = Uint8Array.from([
  0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19, 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02,
]);
/** MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO. */
const ONE_OFF_FLAGS = 0x8000 | 0x0001;

/** A one-off EntryID ([MS-OXCDATA] §2.2.5.1) with Unicode strings; the strings are cleaned (see `cleanText`). */
export function oneOffEntryId(displayName: string, addressType: string, address: string): Uint8Array {
  return oneOffEntryIdOfClean(cleanText(displayName), cleanText(addressType), cleanText(address));
}

/** `oneOffEntryId` of strings already clean: each is encoded once, straight into the entry ID. */
export function oneOffEntryIdOfClean(displayName: string, addressType: string, address: string): Uint8Array {
  const bytes = new Uint8Array(24 + 2 * (displayName.length + addressType.length + address.length + 3));
  bytes.set(ONE_OFF_PROVIDER, 4);
  // version 0 at 20
  putU16(bytes, 22, ONE_OFF_FLAGS);
  let at = putUtf16z(bytes, 24, displayName);
  at = putUtf16z(bytes, at, addressType);
  putUtf16z(bytes, at, address);
  return bytes;
}

/** Writes `text` as UTF-16LE followed by a NUL (already zero) and returns the offset after it. */
function putUtf16z(bytes: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes[at++] = c & 0xff;
    bytes[at++] = c >>> 8;
  }
  return at + 2;
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
