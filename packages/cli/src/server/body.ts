/** Reads a request body up to a size limit; a larger body is refused without being read. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

/** The largest request body accepted: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `request body larger than ${limit} bytes`, { Connection: 'close' });
}

/**
 * Reads the body of `req`. A declared `Content-Length` over `limit` is refused before anything is read
 * (and before a `100 Continue` is sent); a body that grows over `limit` stops being read at that point.
 */
export async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  expectsContinue: boolean,
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  if (expectsContinue) res.writeContinue();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the client closed the connection while sending the body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
