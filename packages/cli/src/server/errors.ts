/** HTTP error responses: a status and a JSON body `{"message": "..."}`, never a stack trace. */
import type { ServerResponse } from 'node:http';

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
}

/** Sends `{"message": message}` with `status`, unless the headers are already out. */
export function sendJsonError(res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}
