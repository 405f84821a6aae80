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

interface Line {
  readonly start: number;
  /** Offset just past the line break (or the end of the file). */
  readonly end: number;
  /** Up to `PREFIX` bytes of the line, line break excluded. */
  readonly prefix: string;
  readonly empty: boolean;
  readonly terminated: boolean;
}

async function* lines(path: string): AsyncGenerator<Line> {
  let offset = 0;
  let lineStart = 0;
  let prefix: Buffer[] = [];
  let prefixLength = 0;
  let lineLength = 0;
  const finish = (end: number, terminated: boolean): Line => {
    let text = Buffer.concat(prefix, prefixLength).toString('latin1');
    if (terminated) text = text.replace(/\r?\n$/, '');
    const empty = text === '' || text === '\r';
    const line = { start: lineStart, end, prefix: text, empty, terminated };
    prefix = [];
    prefixLength = 0;
    lineLength = 0;
    lineStart = end;
    return line;
  };
  for await (const raw of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const chunk = raw as Buffer;
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const stop = nl < 0 ? chunk.length : nl + 1;
      if (prefixLength < PREFIX + 2) {
        const piece = chunk.subarray(pos, Math.min(stop, pos + PREFIX + 2 - prefixLength));
        prefix.push(piece);
        prefixLength += piece.length;
      }
      lineLength += stop - pos;
      pos = stop;
      if (nl >= 0) yield finish(offset + stop, true);
    }
    offset += chunk.length;
  }
  if (lineLength > 0) yield finish(offset, false);
}

/** The size of the file as counted while splitting, and what came before the first message. */
export interface MboxSplitResult {
  preamble?: MboxPreamble;
}

/**
 * Yields the ranges of the messages of an mbox file, in file order. The range excludes the empty line that
 * separates it from the next message. `result.preamble` is set (once the generator is done) when there
 * are non-blank bytes before the first envelope line.
 */
export async function* splitMbox(path: string, result: MboxSplitResult = {}): AsyncGenerator<MboxRange> {
  let number = 0;
  let currentStart = -1;
  let previous: Line | undefined;
  let preambleEnd = -1;

  for await (const line of lines(path)) {
    const atSeparator =
      (previous === undefined || previous.empty || currentStart < 0) &&
      line.prefix.startsWith('From ') &&
      parseEnvelopeLine(line.prefix)?.date !== undefined;
    if (atSeparator) {
      if (currentStart >= 0 && previous !== undefined) {
        number += 1;
        // The empty line before the envelope line separates the messages; it belongs to neither.
        yield { number, start: currentStart, end: previous.start, cutOff: false, last: false };
      }
      currentStart = line.start;
    } else if (currentStart < 0 && !line.empty) {
      preambleEnd = line.end;
    }
    previous = line;
  }
  if (preambleEnd > 0) result.preamble = { start: 0, end: preambleEnd };
  if (currentStart >= 0 && previous !== undefined) {
    number += 1;
    const end = previous.empty && previous.start > currentStart ? previous.start : previous.end;
    yield { number, start: currentStart, end, cutOff: !previous.terminated, last: true };
  }
}
