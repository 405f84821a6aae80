/**
 * The PST part size limit of `exportToPst`: documented by Veeam as "from 1 GB to 49 GB"; here GB = 2^30 bytes
 * (the API's own example, 1073741824, is 1 GiB).
 */
import type { RequestWarning } from '../warnings.js';

/** 2^30 bytes. */
export const GIB = 1024 * 1024 * 1024;
/** Smallest accepted `PstSizeLimitBytes`: 1 GiB. */
export const MIN_PST_LIMIT_BYTES = GIB;
/**
 * Largest accepted `PstSizeLimitBytes`: 49 GiB. Parts also roll over at this size when no limit is set,
 * because Outlook refuses PST files over 50 GB by default.
 */
export const MAX_PST_LIMIT_BYTES = 49 * GIB;

/** A limit moved into [1 GiB, 49 GiB], with the warning (code `limit-clamped`) to report when it had to be moved. */
export interface ClampedLimit {
  readonly bytes: number;
  readonly warning: Extract<RequestWarning, { code: 'limit-clamped' }> | undefined;
}

/**
 * Clamps a positive integer byte count into [MIN_PST_LIMIT_BYTES, MAX_PST_LIMIT_BYTES]; `field` names where the
 * count came from in the warning (a body property, or a command-line option such as `--limit`).
 */
export function clampPstLimit(bytes: number, field = 'PstSizeLimitBytes'): ClampedLimit {
  if (bytes < MIN_PST_LIMIT_BYTES) {
    const message = `${field} ${bytes} is below the minimum of 1 GiB; using ${MIN_PST_LIMIT_BYTES} bytes`;
    return {
      bytes: MIN_PST_LIMIT_BYTES,
      warning: { code: 'limit-clamped', message, field, requested: bytes, applied: MIN_PST_LIMIT_BYTES },
    };
  }
  if (bytes > MAX_PST_LIMIT_BYTES) {
    const message = `${field} ${bytes} is above the maximum of 49 GiB; using ${MAX_PST_LIMIT_BYTES} bytes`;
    return {
      bytes: MAX_PST_LIMIT_BYTES,
      warning: { code: 'limit-clamped', message, field, requested: bytes, applied: MAX_PST_LIMIT_BYTES },
    };
  }
  return { bytes, warning: undefined };
}
