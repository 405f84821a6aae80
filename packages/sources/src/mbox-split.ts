/**
 * Splits an mbox file into the byte ranges of its messages, streaming (never the whole file in memory).
 *
 * A message starts at a `From ` line that is the first envelope line of the file or follows an empty line, and that
 * looks like a real envelope line: `From <sender> <asctime date>`, e.g.
 * `From alice@example.com Mon Aug 26 15:45:14 2002`. A body line such as `From the desk of …` after an
 * empty line is therefore not mistaken for a separator, even in an mboxo file whose writer did not escape
 * it; only a body line that itself looks exactly like an envelope line still splits the message.
 */
import { createReadStream } from 'node:fs';
import { parseEnvelopeLine } from './mime-message.js';

/** One message of an mbox: bytes `[start, end)` of the file, the envelope line included. */
export interface MboxRange {
  /** 1-based position of the message in the file. */
  readonly number: number;
  readonly start: number;
  readonly end: number;
  /** The last message, when the file does not end with a line break: it was cut off. */
  readonly cutOff: boolean;
  /** The last message of the file. */
  readonly last: boolean;
}

/** Bytes before the first envelope line that are not blank (not part of any message). */
export interface MboxPreamble {
  readonly start: number;
  readonly end: number;
}

/** Only the start of a line is needed to recognise a separator. */
const PREFIX = 512;
/** Bytes of each line kept: the prefix and its line break. */
const HEAD = PREFIX + 2;
const FROM_ = Buffer.from('From ', 'latin1');

/** The size of the file as counted while splitting, and what came before the first message. */
export interface MboxSplitResult {
  preamble?: MboxPreamble;
}

/**
 * Yields the ranges of the messages of an mbox file, in file order. The range excludes the empty line that
 * separates it from the next message. `result.preamble` is set (once the generator is done) when there
 * are non-blank bytes before the first envelope line.
 *
 * Lines are scanned in place in each read chunk: only the first bytes of a line are copied (into one reused
 * buffer), and only a line that starts with `From ` is decoded. Memory and garbage per line are constant, so a
 * file of millions of short lines is split at the speed of the disk.
 */
export async function* splitMbox(path: string, result: MboxSplitResult = {}): AsyncGenerator<MboxRange> {
  let number = 0;
  let currentStart = -1;
  let preambleEnd = -1;
  // The line before the current one.
  let hasPrevious = false;
  let previousStart = 0;
  let previousEnd = 0;
  let previousEmpty = false;
  let previousTerminated = true;
  // The current line: where it starts, its first bytes, its length so far.
  const head = Buffer.alloc(HEAD);
  let headLength = 0;
  let lineStart = 0;
  let lineLength = 0;
  let offset = 0;

  /** Ends the current line at `end`; returns the range it closes, if it is an envelope line. */
  const endLine = (end: number, terminated: boolean): MboxRange | undefined => {
    let contentLength = headLength;
    if (terminated && lineLength <= HEAD) {
      contentLength -= 1; // the LF
      if (contentLength > 0 && head[contentLength - 1] === 13) contentLength -= 1;
    }
    const empty = contentLength === 0 || (contentLength === 1 && head[0] === 13);
    let closed: MboxRange | undefined;
    const isEnvelope =
      (!hasPrevious || previousEmpty || currentStart < 0) &&
      contentLength >= FROM_.length &&
      head.compare(FROM_, 0, FROM_.length, 0, FROM_.length) === 0 &&
      parseEnvelopeLine(head.toString('latin1', 0, contentLength))?.date !== undefined;
    if (isEnvelope) {
      if (currentStart >= 0 && hasPrevious) {
        number += 1;
        // The empty line before the envelope line separates the messages; it belongs to neither.
        closed = { number, start: currentStart, end: previousStart, cutOff: false, last: false };
      }
      currentStart = lineStart;
    } else if (currentStart < 0 && !empty) {
      preambleEnd = end;
    }
    hasPrevious = true;
    previousStart = lineStart;
    previousEnd = end;
    previousEmpty = empty;
    previousTerminated = terminated;
    headLength = 0;
    lineLength = 0;
    lineStart = end;
    return closed;
  };

  for await (const raw of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const chunk = raw as Buffer;
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const stop = nl < 0 ? chunk.length : nl + 1;
      if (headLength < HEAD) headLength += chunk.copy(head, headLength, pos, Math.min(stop, pos + HEAD - headLength));
      lineLength += stop - pos;
      pos = stop;
      if (nl >= 0) {
        const closed = endLine(offset + stop, true);
        if (closed !== undefined) yield closed;
      }
    }
    offset += chunk.length;
  }
  if (lineLength > 0) {
    const closed = endLine(offset, false);
    if (closed !== undefined) yield closed;
  }
  if (preambleEnd > 0) result.preamble = { start: 0, end: preambleEnd };
  if (currentStart >= 0 && hasPrevious) {
    number += 1;
    const end = previousEmpty && previousStart > currentStart ? previousStart : previousEnd;
    yield { number, start: currentStart, end, cutOff: !previousTerminated, last: true };
  }
}
