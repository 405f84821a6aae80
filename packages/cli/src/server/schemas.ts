/**
 * JSON-schema validation (ajv) of what the REST routes take besides the export options themselves: the query of a
 * listing and the `items` list of an items export. The export options (`contentKeyword(s)`, `enablePstSizeLimit`,
 * `pstSizeLimitBytes`) go through `@pstream/export`'s request parser, which accepts the spellings of every API version.
 * A failure is a 400 naming the field and the value.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { HttpError } from './errors.js';

/** Most entries one listing page returns. */
export const MAX_PAGE_LIMIT = 1000;
/** Most item ids one items export takes. */
export const MAX_ITEMS = 10_000;

// coerceTypes: query values are strings; `"10"` is the number 10 for `offset` and `limit`.
const queryAjv = new Ajv({ allErrors: false, coerceTypes: true, strict: true });
const bodyAjv = new Ajv({ allErrors: false, strict: true });

const paging = {
  offset: { type: 'integer', minimum: 0 },
  limit: { type: 'integer', minimum: 0, maximum: MAX_PAGE_LIMIT },
} as const;

/** The query of each listing. */
export interface ListQuery {
  offset?: number;
  limit?: number;
  parentId?: string;
  name?: string;
}

const LIST_QUERIES: Readonly<Record<'mailboxes' | 'folders' | 'items', ValidateFunction<ListQuery>>> = {
  mailboxes: queryAjv.compile<ListQuery>({ type: 'object', properties: { ...paging }, additionalProperties: false }),
  folders: queryAjv.compile<ListQuery>({
    type: 'object',
    properties: { ...paging, parentId: { type: 'string', minLength: 1 }, name: { type: 'string' } },
    additionalProperties: false,
  }),
  items: queryAjv.compile<ListQuery>({
    type: 'object',
    properties: { ...paging, parentId: { type: 'string', minLength: 1 } },
    additionalProperties: false,
  }),
};

/** The `items` of an items export: `[{"id": "…"}, …]`. */
type ItemList = { id: string }[];
const ITEM_LIST: ValidateFunction<ItemList> = bodyAjv.compile<ItemList>({
  type: 'array',
  minItems: 1,
  maxItems: MAX_ITEMS,
  items: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] },
});

/** `a/0/b` of an instance path as `a[0].b`, after `prefix`. */
function fieldName(prefix: string, instancePath: string): string {
  let field = prefix;
  for (const part of instancePath.split('/').slice(1))
    field += /^\d+$/.test(part) ? `[${part}]` : field === '' ? part : `.${part}`;
  return field === '' ? '(query)' : field;
}

function valueAt(data: unknown, instancePath: string): unknown {
  let value = data;
  for (const part of instancePath.split('/').slice(1)) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

function refusal(prefix: string, data: unknown, error: ErrorObject | undefined): HttpError {
  if (error === undefined) return new HttpError(400, `${prefix || 'the request'} is not valid`);
  if (error.keyword === 'additionalProperties') {
    const name = String((error.params as { additionalProperty: string }).additionalProperty);
    return new HttpError(
      400,
      `unknown parameter ${JSON.stringify(name)} (value ${JSON.stringify(valueAt(data, `${error.instancePath}/${name}`))})`,
    );
  }
  const field = fieldName(prefix, error.instancePath);
  return new HttpError(
    400,
    `${field} ${error.message ?? 'is not valid'}, got ${JSON.stringify(valueAt(data, error.instancePath))}`,
  );
}

/** The validated query of a listing; a 400 {@link HttpError} otherwise. */
export function validateListQuery(what: 'mailboxes' | 'folders' | 'items', query: Record<string, string>): ListQuery {
  const data: Record<string, unknown> = { ...query };
  const validate = LIST_QUERIES[what];
  if (!validate(data)) throw refusal('', query, validate.errors?.[0]);
  return data;
}

/** The ids of an items export's `items` (`field` names it in messages); a 400 {@link HttpError} otherwise. */
export function validateItemList(field: string, value: unknown): string[] {
  if (!ITEM_LIST(value)) throw refusal(field, value, ITEM_LIST.errors?.[0]);
  return value.map((item) => item.id);
}
