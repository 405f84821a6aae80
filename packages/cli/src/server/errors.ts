/**
 * HTTP error responses in the REST API's shape: `{"message": "...", "errorCode": "...", "stackTrace": null}`, never
 * a stack trace. A client branches on `errorCode`:
 *
 * | status | errorCode |
 * | --- | --- |
 * | 400, 413 | `ParameterValidationFailure` |
 * | 401 | `Unauthorized` |
 * | 404 | `ResourceNotFound` |
 * | 405 | `MethodNotAllowed` |
 * | 409 | `OperationConflict` |
 * | 416 | `RangeNotSatisfiable` |
 * | 500 | `InternalError` |
 * | 501 | `NotImplemented` |
 * | 503 | `ServiceUnavailable` |
 * | 504 | `Timeout` |
 */
import type { ServerResponse } from 'node:http';

/** The `errorCode` values this server sends. */
export type ErrorCode =
  | 'ParameterValidationFailure'
  | 'Unauthorized'
  | 'ResourceNotFound'
  | 'MethodNotAllowed'
  | 'OperationConflict'
  | 'RangeNotSatisfiable'
  | 'InternalError'
  | 'NotImplemented'
  | 'ServiceUnavailable'
  | 'Timeout';

const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'ParameterValidationFailure',
  401: 'Unauthorized',
  404: 'ResourceNotFound',
  405: 'MethodNotAllowed',
  409: 'OperationConflict',
  413: 'ParameterValidationFailure',
  416: 'RangeNotSatisfiable',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The `errorCode` of a status. */
export function errorCodeOf(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? 'InternalError' : 'ParameterValidationFailure');
}

/** An error that becomes a response with `status`. */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `Allow` for a 405. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get errorCode(): ErrorCode {
    return errorCodeOf(this.status);
  }
}

/** Sends `{"message", "errorCode", "stackTrace": null}` with `status`, unless the headers are already out. */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ message, errorCode: errorCodeOf(status), stackTrace: null });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** Sends `value` as JSON with status 200. */
export function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
