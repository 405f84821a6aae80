/**
 * Raw 8-bit header bytes. RFC 5322 headers are ASCII, with other characters in RFC 2047 encoded words, but real
 * mail often carries raw 8-bit text in them: UTF-8 from newer clients, the body's charset (ISO-8859-1, GB2312,
 * EUC-KR, …) from older ones. mailparser reads every header as UTF-8, so the latter became U+FFFD and the text was
 * lost ("£7,000" read "�7,000"; a Chinese subject, nothing at all).
 *
 * Before the parser sees the header block, each line that is not valid UTF-8 is decoded as a mail client does: in
 * the charset the message declares (see `declaredCharset`), else in windows-1252 (the superset of ISO-8859-1 that
 * mail clients read Latin-1 as), and passed on re-encoded as UTF-8. Lines that are ASCII or valid UTF-8 pass
 * unchanged, so a header block mixing the two keeps both.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** Mail clients read undeclared 8-bit text as windows-1252. */
const FALLBACK_CHARSET = 'windows-1252';

/** Where the header block ends: the offset after its empty line, or -1 when `bytes` holds no empty line. */
export function headerBlockEnd(bytes: Uint8Array): number {
  if (bytes[0] === 10) return 1;
  if (bytes[0] === 13 && bytes[1] === 10) return 2;
  for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, nl + 1)) {
    if (bytes[nl + 1] === 10) return nl + 2;
    if (bytes[nl + 1] === 13 && bytes[nl + 2] === 10) return nl + 3;
  }
  return -1;
}

/** How far past the header block a declared charset is looked for (a multipart declares it in its parts). */
const CHARSET_SCAN_BYTES = 64 * 1024;

/**
 * Whether the start of a message (`message`, its header block ending at `end`, or -1 while its empty line has not
 * arrived) should be held for more bytes before `withUtf8Header` reads it. A header block with lines to decode is
 * held whole, with what follows it where a charset may be declared, up to `limit` bytes (past that the parser refuses
 * it anyway); one that is still UTF-8 after the first `CHARSET_SCAN_BYTES` goes on as it is.
 */
export function holdsForHeader(message: Buffer, end: number, limit: number): boolean {
  if (end >= 0) return message.length < end + CHARSET_SCAN_BYTES && !isUtf8(message.subarray(0, end));
  return message.length <= limit && (message.length < CHARSET_SCAN_BYTES || !isUtf8(message));
}

/** `message` with the header block's first `end` bytes read as UTF-8 where they are not (see the module comment). */
export function withUtf8Header(message: Buffer, end: number): Buffer {
  const header = message.subarray(0, end);
  if (isUtf8(header)) return message;
  const charset = declaredCharset(
    header.toString('latin1'),
    message.subarray(end, end + CHARSET_SCAN_BYTES).toString('latin1'),
  );
  const lines: Buffer[] = [];
  let start = 0;
  while (start < end) {
    const nl = header.indexOf(10, start);
    const stop = nl < 0 ? end : nl + 1;
    const line = header.subarray(start, stop);
    lines.push(isUtf8(line) ? line : Buffer.from(iconv.decode(line, charset), 'utf8'));
    start = stop;
  }
  lines.push(message.subarray(end));
  return Buffer.concat(lines);
}

// `=3D`: the `=` of a quoted-printable HTML part's `<meta>`.
const CHARSET_PARAMETER = /charset\s*=\s*(?:3D)?["']?([^"';\s>]+)/gi;

/**
 * The charset the message declares for its text, as mail clients take it for raw header bytes: the Content-Type's
 * charset parameter, else the first one in the parts that follow (a part's Content-Type, an HTML `<meta>`); the
 * first label iconv-lite knows wins ("CHINESEBIG5", then "big5"). UTF-8 and ASCII are passed over, since the lines
 * decoded are not valid UTF-8. Without one, windows-1252.
 */
function declaredCharset(header: string, after: string): string {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const contentType = /^content-type[ \t]*:(.*)$/im.exec(unfolded)?.[1] ?? '';
  for (const text of [contentType, after]) {
    for (const m of text.matchAll(CHARSET_PARAMETER)) {
      const label = m[1]!;
      if (!/^(us-)?ascii$|^utf-?8$/i.test(label) && iconv.encodingExists(label)) return label;
    }
  }
  return FALLBACK_CHARSET;
}
