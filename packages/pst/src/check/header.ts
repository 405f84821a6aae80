import { pstCrc, u64 } from './binary.js';
import { AMAP_SPAN, FIRST_AMAP, HEADER_SIZE } from './layout.js';
import { hex, type Reporter } from './report.js';

/** The fields of the Unicode HEADER and ROOT that the checker uses. */
export interface PstHeader {
  wMagicClient: string;
  wVer: number;
  wVerClient: number;
  bidNextP: number;
  dwUnique: number;
  /** rgnid[32]: per NID type, the last nidIndex allocated. */
  rgnid: Uint32Array;
  ibFileEof: number;
  ibAMapLast: number;
  cbAMapFree: number;
  cbPMapFree: number;
  nbtBid: number;
  nbtIb: number;
  bbtBid: number;
  bbtIb: number;
  fAMapValid: number;
  bCryptMethod: number;
  bidNextB: number;
}

const MAGIC = Buffer.from('!BDN', 'latin1');

/** Parses and checks the 564-byte header against the file size. Stops the check when it is not a Unicode PST. */
export function checkHeader(h: Buffer, fileSize: number, rep: Reporter): PstHeader {
  const S = 'header';
  if (h.length < HEADER_SIZE)
    rep.fatal('header.truncated', S, 0, `file has ${fileSize} bytes, fewer than the ${HEADER_SIZE}-byte header`);
  if (!h.subarray(0, 4).equals(MAGIC))
    rep.fatal('header.magic', S, 0, `dwMagic is ${h.subarray(0, 4).toString('hex')}, expected 2142444e ("!BDN")`);
  const wMagicClient = h.subarray(8, 10).toString('latin1');
  const wVer = h.readUInt16LE(10);
  const wVerClient = h.readUInt16LE(12);
  if (wVer === 14 || wVer === 15) rep.fatal('header.format', S, 10, `wVer ${wVer}: ANSI PST files are not supported`);
  if (wVer === 36) rep.fatal('header.format', S, 10, 'wVer 36: Unicode PST with 4 KiB pages is not supported');
  if (wVer < 21 || wVer > 37) rep.fatal('header.format', S, 10, `wVer ${wVer} is not a known Unicode version`);
  if (wVer !== 23) rep.warn('header.version', S, 10, `wVer ${wVer}, expected 23`);
  if (wMagicClient !== 'SM' && wMagicClient !== 'SO' && wMagicClient !== 'AB') {
    rep.error('header.client-magic', S, 8, `wMagicClient ${JSON.stringify(wMagicClient)}, expected "SM"`);
  }
  if (wMagicClient === 'SM' && wVerClient !== 19)
    rep.warn('header.client-version', S, 12, `wVerClient ${wVerClient}, expected 19`);
  if (h[14] !== 1 || h[15] !== 1)
    rep.warn('header.platform', S, 14, `bPlatformCreate/bPlatformAccess ${h[14]}/${h[15]}, expected 1/1`);

  const crcPartial = pstCrc(h.subarray(8, 8 + 471));
  if (crcPartial !== h.readUInt32LE(4)) {
    rep.error(
      'header.crc-partial',
      S,
      4,
      `dwCRCPartial ${hex(h.readUInt32LE(4))}, computed ${hex(crcPartial)} over 471 bytes at 0x08`,
    );
  }
  const crcFull = pstCrc(h.subarray(8, 8 + 516));
  if (crcFull !== h.readUInt32LE(524)) {
    rep.error(
      'header.crc-full',
      S,
      524,
      `dwCRCFull ${hex(h.readUInt32LE(524))}, computed ${hex(crcFull)} over 516 bytes at 0x08`,
    );
  }

  const rgnid = new Uint32Array(32);
  for (let i = 0; i < 32; i++) rgnid[i] = h.readUInt32LE(44 + 4 * i);
  const hdr: PstHeader = {
    wMagicClient,
    wVer,
    wVerClient,
    bidNextP: u64(h, 32),
    dwUnique: h.readUInt32LE(40),
    rgnid,
    ibFileEof: u64(h, 184),
    ibAMapLast: u64(h, 192),
    cbAMapFree: u64(h, 200),
    cbPMapFree: u64(h, 208),
    nbtBid: u64(h, 216),
    nbtIb: u64(h, 224),
    bbtBid: u64(h, 232),
    bbtIb: u64(h, 240),
    fAMapValid: h[248]!,
    bCryptMethod: h[513]!,
    bidNextB: u64(h, 516),
  };

  if (h[512] !== 0x80) rep.error('header.sentinel', S, 512, `bSentinel ${hex(h[512]!)}, expected 0x80`);
  if (hdr.bCryptMethod !== 0 && hdr.bCryptMethod !== 1 && hdr.bCryptMethod !== 2) {
    rep.error('header.crypt-method', S, 513, `bCryptMethod ${hex(hdr.bCryptMethod)} is not 0, 1 or 2`);
  }
  if (hdr.ibFileEof !== fileSize)
    rep.error('header.file-eof', S, 184, `ibFileEof ${hdr.ibFileEof} != file size ${fileSize}`);
  if (hdr.ibFileEof < FIRST_AMAP + AMAP_SPAN || (hdr.ibFileEof - FIRST_AMAP) % AMAP_SPAN !== 0) {
    rep.error(
      'header.file-eof-boundary',
      S,
      184,
      `ibFileEof ${hdr.ibFileEof} is not an AMap boundary 0x4400 + k*${AMAP_SPAN} (k >= 1)`,
    );
  }
  const expectLast = FIRST_AMAP + Math.max(0, Math.floor((hdr.ibFileEof - FIRST_AMAP - 1) / AMAP_SPAN)) * AMAP_SPAN;
  if (hdr.ibAMapLast !== expectLast) {
    rep.error(
      'header.amap-last',
      S,
      192,
      `ibAMapLast ${hdr.ibAMapLast} != ${expectLast}, the last AMap before ibFileEof ${hdr.ibFileEof}`,
    );
  }
  if (hdr.fAMapValid === 0 || hdr.fAMapValid > 2) {
    rep.error('header.amap-valid', S, 248, `fAMapValid ${hdr.fAMapValid}: the AMaps are marked invalid`);
  } else if (hdr.fAMapValid === 1) {
    rep.warn('header.amap-valid1', S, 248, 'fAMapValid 1 (VALID_AMAP1); Outlook 2003 and later write 2');
  }
  return hdr;
}
