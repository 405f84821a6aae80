/**
 * The HTTP status a server answers a refused `exportToPst` body with.
 */
import type { RequestError } from '../errors.js';

/** 501 Not Implemented for a recognised action this server does not implement, 400 Bad Request otherwise. */
export function httpStatusFor(error: RequestError): 400 | 501 {
  return error.code === 'not-supported' ? 501 : 400;
}
