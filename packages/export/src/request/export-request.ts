/**
 * Parses the body of an `exportToPst` request as a server receives it.
 *
 * Two shapes exist across the Veeam REST versions (see the research notes, inputs.md §2):
 * - v1.5 to v5, one polymorphic `…/Action` endpoint: `{"exportToPst": {"contentKeywords": "support",
 *   "EnablePstSizeLimit": true, "PstSizeLimitBytes": 1073741824}}`; the same endpoint also takes restore,
 *   send and save actions, which are recognised and refused with `not-supported`.
 * - v6 to v8, a dedicated `…/exportToPst` endpoint: `{"contentKeyword": "support", "enablePstSizeLimit": true,
 *   "pstSizeLimitBytes": 1073741824}`.
 * Property names are matched in any letter case and in both the plural and the singular keyword spelling.
 */
import { RequestError } from '../errors.js';
import type { RequestWarning } from '../warnings.js';
import { clampPstLimit } from './size-limit.js';

/** What an `exportToPst` body asks for. */
export interface ExportRequest {
  /** The keyword query ('' = everything). */
  keywords: string;
  /** Part size limit in bytes, clamped to [1 GiB, 49 GiB]; undefined = no user limit. */
  limitBytes: number | undefined;
  /** Things the client should know: clamped sizes, ignored or oddly spelled properties. */
  warnings: RequestWarning[];
}

/**
 * Which endpoint the body was posted to.
 * - `action`: the v1.5–v5 `…/Action` endpoint; the body must name its action.
 * - `exportToPst`: the v6+ endpoint; the body holds the options directly (an empty body means the defaults).
 * - `auto` (default): either shape, told apart by the property names.
 */
export type RequestForm = 'auto' | 'action' | 'exportToPst';

export interface ParseRequestOptions {
  readonly form?: RequestForm;
}

/** Action names of the same endpoint that this server recognises but does not implement (lower case). */
const UNSUPPORTED_ACTIONS: ReadonlyMap<string, string> = new Map([
  ['restoretooriginallocation', 'restoring items to their original location'],
  ['restoreto', 'restoring items to another mailbox'],
  ['restore', 'restoring items'],
  ['operatorrestore', 'operator restore'],
  ['savetomsg', 'saving items as MSG files'],
  ['save', 'saving items as MSG files'],
  ['exporttomsg', 'exporting items as MSG files'],
  ['send', 'sending items by e-mail'],
  ['sendtodefaultaddress', 'sending items to the original mailbox'],
  ['sendtodifferentaddress', 'sending items to another address'],
]);

const EXPORT_ACTION = 'exporttopst';

type OptionField = 'keywords' | 'enable' | 'size' | 'items';

/** Option property names (lower case) and what they mean. */
const OPTION_FIELDS: ReadonlyMap<string, OptionField> = new Map([
  ['contentkeywords', 'keywords'],
  ['contentkeyword', 'keywords'],
  ['enablepstsizelimit', 'enable'],
  ['pstsizelimitbytes', 'size'],
  ['items', 'items'],
]);

/**
 * Parses an `exportToPst` request body (a string or the raw bytes, UTF-8).
 * Throws a `RequestError` naming the property and the value that are wrong; a restore, send or save action
 * gives the code `not-supported`.
 */
export function parseExportRequest(body: string | Uint8Array, options: ParseRequestOptions = {}): ExportRequest {
  const form = options.form ?? 'auto';
  const text = decodeBody(body);
  const warnings: RequestWarning[] = [];
  if (text.trim() === '') {
    if (form === 'exportToPst') return { keywords: '', limitBytes: undefined, warnings };
    throw new RequestError(
      'invalid-body',
      '(body)',
      text,
      'the request body is empty; expected a JSON object such as {"exportToPst": {}}',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new RequestError(
      'invalid-body',
      '(body)',
      clip(text),
      `the request body is not JSON (${why}): ${show(clip(text))}`,
    );
  }
  if (!isPlainObject(json)) {
    throw new RequestError('invalid-body', '(body)', json, `the request body must be a JSON object, got ${show(json)}`);
  }

  const keys = Object.keys(json);
  const actionKeys = keys.filter((k) => isAction(normalizeName(k, warnings, false)));
  const optionKeys = keys.filter((k) => OPTION_FIELDS.has(normalizeName(k, warnings, false)));

  if (form === 'exportToPst' || (form === 'auto' && actionKeys.length === 0 && optionKeys.length > 0)) {
    return parseOptions(json, '', warnings);
  }
  if (actionKeys.length === 0) {
    const first = keys[0];
    if (first === undefined) {
      throw new RequestError(
        'unknown-action',
        '(body)',
        json,
        'the request body names no action; expected {"exportToPst": {…}}',
      );
    }
    throw new RequestError(
      'unknown-action',
      first,
      json[first],
      `unknown action ${show(first)}; expected "exportToPst"`,
    );
  }
  if (actionKeys.length > 1) {
    throw new RequestError(
      'unknown-action',
      actionKeys[1] as string,
      json[actionKeys[1] as string],
      `the request body names several actions (${actionKeys.map((k) => show(k)).join(', ')}); send one at a time`,
    );
  }
  const actionKey = actionKeys[0] as string;
  for (const k of keys) {
    if (k !== actionKey) {
      throw new RequestError(
        'unknown-field',
        k,
        json[k],
        `unknown property ${show(k)} (value ${show(json[k])}) next to the action ${show(actionKey)}`,
      );
    }
  }
  const action = normalizeName(actionKey, warnings, true);
  const unsupported = UNSUPPORTED_ACTIONS.get(action);
  if (unsupported !== undefined) {
    throw new RequestError(
      'not-supported',
      actionKey,
      json[actionKey],
      `the action ${show(actionKey)} (${unsupported}) is not supported; only "exportToPst" is`,
    );
  }
  const value = json[actionKey];
  if (value === null) return { keywords: '', limitBytes: undefined, warnings };
  if (!isPlainObject(value)) {
    throw new RequestError(
      'invalid-type',
      actionKey,
      value,
      `${actionKey} must be an object of options or null, got ${show(value)}`,
    );
  }
  return parseOptions(value, `${actionKey}.`, warnings);
}

/** Reads the options object of `exportToPst`; `prefix` is prepended to field names in messages. */
function parseOptions(obj: Record<string, unknown>, prefix: string, warnings: RequestWarning[]): ExportRequest {
  const seen = new Map<OptionField, string>();
  let keywords = '';
  let enable: boolean | undefined;
  let enableField = 'EnablePstSizeLimit';
  let size: number | undefined;
  let sizeField = 'PstSizeLimitBytes';

  for (const [key, value] of Object.entries(obj)) {
    const field = `${prefix}${key}`;
    const kind = OPTION_FIELDS.get(normalizeName(key, warnings, true, field));
    if (kind === undefined) {
      throw new RequestError(
        'unknown-field',
        field,
        value,
        `unknown property ${show(field)} (value ${show(value)}); expected contentKeywords, EnablePstSizeLimit or PstSizeLimitBytes`,
      );
    }
    const earlier = seen.get(kind);
    if (earlier !== undefined) {
      throw new RequestError(
        'duplicate-field',
        field,
        value,
        `${show(field)} repeats ${show(earlier)}; send each property once`,
      );
    }
    seen.set(kind, field);
    switch (kind) {
      case 'keywords':
        keywords = readKeywords(field, value);
        break;
      case 'enable':
        enable = readBoolean(field, value);
        enableField = field;
        break;
      case 'size':
        size = readSize(field, value);
        sizeField = field;
        break;
      case 'items':
        throw new RequestError(
          'not-supported',
          field,
          value,
          `exporting selected items (${show(field)}) is not supported; export a mailbox or a folder`,
        );
    }
  }

  if (enable === true && size === undefined) {
    throw new RequestError(
      'missing-field',
      `${prefix}PstSizeLimitBytes`,
      undefined,
      `${enableField} is true but ${prefix}PstSizeLimitBytes is missing; give the part size in bytes (1 GiB to 49 GiB)`,
    );
  }
  if (size === undefined) return { keywords, limitBytes: undefined, warnings };
  if (enable === false) {
    warnings.push({
      code: 'limit-ignored',
      message: `${sizeField} ${size} is ignored because ${enableField} is false`,
      field: sizeField,
      requested: size,
    });
    return { keywords, limitBytes: undefined, warnings };
  }
  if (enable === undefined) {
    const message = `${prefix}EnablePstSizeLimit is absent; applying ${sizeField} ${size} because it is given`;
    warnings.push({ code: 'limit-implied', message, field: sizeField, requested: size });
  }
  const clamped = clampPstLimit(size, sizeField);
  if (clamped.warning !== undefined) warnings.push(clamped.warning);
  return { keywords, limitBytes: clamped.bytes, warnings };
}

/** `contentKeywords`: a string; null = none; an array of strings (the PowerShell form) is OR'ed. */
function readKeywords(field: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const parts: string[] = [];
    value.forEach((item: unknown, i) => {
      if (typeof item !== 'string') {
        throw new RequestError(
          'invalid-type',
          `${field}[${i}]`,
          item,
          `${field}[${i}] must be a string, got ${show(item)}`,
        );
      }
      if (item.trim() !== '') parts.push(`(${item})`);
    });
    return parts.join(' OR ');
  }
  throw new RequestError('invalid-type', field, value, `${field} must be a string, got ${show(value)}`);
}

/** A JSON boolean, or the strings "true"/"false" in any letter case; null = absent. */
function readBoolean(field: string, value: unknown): boolean | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new RequestError('invalid-value', field, value, `${field} must be true or false, got ${show(value)}`);
  }
  throw new RequestError('invalid-type', field, value, `${field} must be a boolean, got ${show(value)}`);
}

/** A positive integer byte count, as a JSON number or a string of decimal digits; null = absent. */
function readSize(field: string, value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string') {
    const v = value.trim();
    if (!/^[0-9]+$/.test(v)) {
      throw new RequestError(
        'invalid-value',
        field,
        value,
        `${field} must be a positive integer number of bytes, got ${show(value)}`,
      );
    }
    n = Number(v);
  } else {
    throw new RequestError('invalid-type', field, value, `${field} must be a number of bytes, got ${show(value)}`);
  }
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new RequestError(
      'invalid-value',
      field,
      value,
      `${field} must be a positive integer number of bytes, got ${show(value)}`,
    );
  }
  return n;
}

/**
 * Lower-cases a property name. The v1.5 documentation's example spells `contentKeywords` with a Cyrillic
 * "с" (U+0441) in front; a client that copied it is understood, with a warning.
 */
function normalizeName(name: string, warnings: RequestWarning[], warn: boolean, field = name): string {
  let lower = name.toLowerCase();
  if (lower.includes('\u0441')) {
    const latin = lower.replaceAll('\u0441', 'c');
    if (OPTION_FIELDS.has(latin) || isAction(latin)) {
      if (warn)
        warnings.push({
          code: 'field-spelling',
          message: `${show(field)} contains a Cyrillic "с" (U+0441); read as ${show(latin)}`,
          field,
          readAs: latin,
        });
      lower = latin;
    }
  }
  return lower;
}

function isAction(lowerName: string): boolean {
  return lowerName === EXPORT_ACTION || UNSUPPORTED_ACTIONS.has(lowerName);
}

function decodeBody(body: string | Uint8Array): string {
  if (typeof body === 'string') return body.startsWith('\uFEFF') ? body.slice(1) : body;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new RequestError(
      'invalid-body',
      '(body)',
      `<${body.byteLength} bytes>`,
      `the request body is not valid UTF-8 (${body.byteLength} bytes)`,
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

/** Longest excerpt of a value shown in a message. */
const SHOWN = 100;

/**
 * A value as it appears in JSON, shortened for messages. The work is bounded by the excerpt, not by the
 * value: a body of 100,000 nested arrays or a 10 MB string is described in a few hundred steps, and never
 * recursively (deep nesting cannot overflow the stack).
 */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let out = '';
  // Pending pieces, last first: a value to write, or literal text (closing brackets, commas).
  const stack: ({ readonly text: string } | { readonly value: unknown })[] = [{ value: v }];
  while (stack.length > 0 && out.length <= SHOWN) {
    const item = stack.pop() as { readonly text: string } | { readonly value: unknown };
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const value = item.value;
    if (typeof value === 'string') {
      out += JSON.stringify(value.length > SHOWN ? value.slice(0, SHOWN + 1) : value);
    } else if (Array.isArray(value)) {
      out += '[';
      stack.push({ text: ']' });
      const n = Math.min(value.length, SHOWN);
      for (let i = n - 1; i >= 0; i--) {
        stack.push({ value: value[i] as unknown });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof value === 'object' && value !== null) {
      out += '{';
      stack.push({ text: '}' });
      const keys: string[] = [];
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        keys.push(k);
        if (keys.length > SHOWN) break;
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: (value as Record<string, unknown>)[k] });
        stack.push({ text: `${JSON.stringify(k.length > SHOWN ? k.slice(0, SHOWN + 1) : k)}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
      out += JSON.stringify(value);
    } else {
      out += String(typeof value);
    }
  }
  return stack.length > 0 || out.length > SHOWN ? `${out.slice(0, SHOWN)}…` : out;
}
