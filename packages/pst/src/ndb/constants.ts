/**
 * NDB layer constants — [MS-PST] §2.2 (Unicode format, 512-byte pages).
 */

/** Size of a page (BT pages and map pages): [MS-PST] §2.2.2.7. */
export const PAGE_SIZE = 512;
/** Bytes of a page before its PAGETRAILER. */
export const PAGE_DATA_SIZE = 496;
/** Largest block on disk, trailer included: [MS-PST] §2.2.2.8. */
export const MAX_BLOCK_SIZE = 8192;
/** Largest data in one block: 8192 − 16-byte BLOCKTRAILER. */
export const MAX_BLOCK_DATA = 8176;
/** BLOCKTRAILER size (Unicode): [MS-PST] §2.2.2.8.1. */
export const BLOCK_TRAILER_SIZE = 16;
/** Offset of the first AMap page: [MS-PST] §2.2.2.7.2. */
export const FIRST_AMAP_OFFSET = 0x4400;
/** Bytes mapped by one AMap page: 496 bytes × 8 bits × 64 bytes. */
export const AMAP_REGION_SIZE = 496 * 8 * 64;
/** Offset of the density list page: [MS-PST] §2.2.2.7.4. */
export const DLIST_OFFSET = 0x4200;
/** Size of the HEADER that is read and CRC'd: [MS-PST] §2.2.2.6. */
export const HEADER_SIZE = 564;

/** `ptype`: [MS-PST] §2.2.2.7.1. */
export const PageType = {
  /** `ptypeBBT`: Block BTree page. */
  BlockBTree: 0x80,
  /** `ptypeNBT`: Node BTree page. */
  NodeBTree: 0x81,
  /** `ptypeFMap`: Free Map page. */
  FreeMap: 0x82,
  /** `ptypePMap`: Allocation Page Map page. */
  PageMap: 0x83,
  /** `ptypeAMap`: Allocation Map page. */
  AllocationMap: 0x84,
  /** `ptypeFPMap`: Free Page Map page. */
  FreePageMap: 0x85,
  /** `ptypeDL`: Density List page. */
  DensityList: 0x86,
} as const;

/** `nidType`: [MS-PST] §2.2.2.1. */
export const NidType = {
  HID: 0x00,
  INTERNAL: 0x01,
  NORMAL_FOLDER: 0x02,
  SEARCH_FOLDER: 0x03,
  NORMAL_MESSAGE: 0x04,
  ATTACHMENT: 0x05,
  SEARCH_UPDATE_QUEUE: 0x06,
  SEARCH_CRITERIA_OBJECT: 0x07,
  ASSOC_MESSAGE: 0x08,
  CONTENTS_TABLE_INDEX: 0x0a,
  RECEIVE_FOLDER_TABLE: 0x0b,
  OUTGOING_QUEUE_TABLE: 0x0c,
  HIERARCHY_TABLE: 0x0d,
  CONTENTS_TABLE: 0x0e,
  ASSOC_CONTENTS_TABLE: 0x0f,
  SEARCH_CONTENTS_TABLE: 0x10,
  ATTACHMENT_TABLE: 0x11,
  RECIPIENT_TABLE: 0x12,
  SEARCH_TABLE_INDEX: 0x13,
  LTP: 0x1f,
} as const;

/** NID = nidIndex << 5 | nidType: [MS-PST] §2.2.2.1. */
export function makeNid(type: number, index: number): number {
  return ((index << 5) | type) >>> 0;
}

export function nidType(nid: number): number {
  return nid & 0x1f;
}

export function nidIndex(nid: number): number {
  return nid >>> 5;
}
