/**
 * Input checks: a record the writer cannot store faithfully is rejected with an error naming the field and the value.
 */
import { PstError } from '../errors.js';
import type { Attachment, MessageRecord } from './record.js';
import { extraProperties, validateKinds } from './validate-kinds.js';

/** A record the writer cannot store faithfully (code `invalid-message`); `field` is its path, e.g. `message.sentAt`. */
export class PstInputError extends PstError {
  override readonly name: string = 'PstInputError';
  declare readonly code: 'invalid-message';
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super('invalid-message', `${field} ${reason}: ${describe(value)}`);
  }
}

/** The largest attachment: a data tree's lcbTotal is a 32-bit count. */
export const MAX_ATTACHMENT_BYTES = 0xffff_ffff - 0x10_0000;

const IMPORTANCE = new Set(['low', 'normal', 'high']);
const SENSITIVITY = new Set(['normal', 'personal', 'private', 'confidential']);
const RECIPIENT_KINDS = new Set(['to', 'cc', 'bcc']);
const FIRST_FILETIME = Date.UTC(1601, 0, 1);
const LAST_FILETIME = Date.UTC(30828, 0, 1);

/** Embedded messages nest at most this deep (a message in a message in …, the top one at depth 0). */
export const MAX_EMBEDDING_DEPTH = 32;

export function validateMessage(record: MessageRecord, path = 'message', depth = 0): void {
  if (typeof record !== 'object' || record === null) throw new PstInputError(path, record, 'is not an object');
  if (typeof record.subject !== 'string') throw new PstInputError(`${path}.subject`, record.subject, 'is not a string');
  // Field by field (not a loop over names): a keyed property load per field costs more than the check itself.
  checkString(record.messageClass, path, 'messageClass');
  checkString(record.internetMessageId, path, 'internetMessageId');
  checkString(record.inReplyTo, path, 'inReplyTo');
  checkString(record.references, path, 'references');
  checkString(record.transportHeaders, path, 'transportHeaders');
  checkString(record.body, path, 'body');
  checkString(record.html, path, 'html');
  checkString(record.rtf, path, 'rtf');
  checkDate(record.sentAt, path, 'sentAt');
  checkDate(record.receivedAt, path, 'receivedAt');
  checkDate(record.createdAt, path, 'createdAt');
  checkDate(record.modifiedAt, path, 'modifiedAt');
  if (record.importance !== undefined && !IMPORTANCE.has(record.importance)) {
    throw new PstInputError(`${path}.importance`, record.importance, 'is not low, normal or high');
  }
  if (record.sensitivity !== undefined && !SENSITIVITY.has(record.sensitivity)) {
    throw new PstInputError(
      `${path}.sensitivity`,
      record.sensitivity,
      'is not normal, personal, private or confidential',
    );
  }
  const recipients = record.recipients;
  if (recipients) {
    for (let i = 0; i < recipients.length; i++) {
      const kind = recipients[i]!.kind;
      if (!RECIPIENT_KINDS.has(kind))
        throw new PstInputError(`${path}.recipients[${i}].kind`, kind, 'is not to, cc or bcc');
    }
  }
  const categories = record.categories;
  if (categories) {
    for (let i = 0; i < categories.length; i++) {
      if (typeof categories[i] !== 'string')
        throw new PstInputError(`${path}.categories[${i}]`, categories[i], 'is not a string');
    }
  }
  const attachments = record.attachments;
  if (attachments)
    for (let i = 0; i < attachments.length; i++)
      validateAttachment(attachments[i]!, `${path}.attachments[${i}]`, depth);
  const r = record;
  if (
    r.appointment !== undefined ||
    r.contact !== undefined ||
    r.task !== undefined ||
    r.note !== undefined ||
    r.distributionList !== undefined ||
    r.extraProperties !== undefined
  ) {
    validateKinds(record, path, fail);
  }
}

function fail(field: string, value: unknown, reason: string): never {
  throw new PstInputError(field, value, reason);
}

function checkString(v: unknown, path: string, field: string): void {
  if (v !== undefined && typeof v !== 'string') throw new PstInputError(`${path}.${field}`, v, 'is not a string');
}

function checkDate(v: unknown, path: string, field: string): void {
  if (v === undefined) return;
  if (!(v instanceof Date) || Number.isNaN(v.getTime()))
    throw new PstInputError(`${path}.${field}`, v, 'is not a valid date');
  if (v.getTime() < FIRST_FILETIME || v.getTime() > LAST_FILETIME)
    throw new PstInputError(`${path}.${field}`, v, 'is outside the FILETIME range');
}

function validateAttachment(a: Attachment, path: string, depth: number): void {
  if (typeof a.name !== 'string') throw new PstInputError(`${path}.name`, a.name, 'is not a string');
  if (a.kind === 'file') {
    if (!Number.isSafeInteger(a.size) || a.size < 0)
      throw new PstInputError(`${path}.size`, a.size, 'is not a non-negative integer');
    if (a.size > MAX_ATTACHMENT_BYTES)
      throw new PstInputError(`${path}.size`, a.size, 'is 4 GiB or more, which a PST cannot hold');
    if (typeof a.open !== 'function') throw new PstInputError(`${path}.open`, a.open, 'is not a function');
  } else if (a.kind === 'message') {
    // Checked before going down, so that a hostile nesting never runs this recursion out of stack.
    if (depth >= MAX_EMBEDDING_DEPTH)
      throw new PstInputError(
        `${path}.message`,
        depth + 1,
        `nests embedded messages deeper than ${MAX_EMBEDDING_DEPTH} levels`,
      );
    validateMessage(a.message, `${path}.message`, depth + 1);
  } else {
    throw new PstInputError(`${path}.kind`, (a as { kind: unknown }).kind, 'is not file or message');
  }
  if (a.extraProperties !== undefined) extraProperties(fail, a.extraProperties, `${path}.extraProperties`);
}

function describe(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  try {
    return String(JSON.stringify(value));
  } catch {
    return String(value);
  }
}
