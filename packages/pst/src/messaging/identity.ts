/**
 * Fresh identities (record keys, GUIDs, search keys) and the clock. In deterministic mode both come from a seed, so
 * that the same input gives a byte-identical file.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Identity {
  /** 16 bytes no other call returns. */
  guid(): Uint8Array;
  now(): Date;
}

/** Random GUIDs, drawn from a pool refilled 16 KiB at a time (one system call per 1,024 GUIDs). */
export function randomIdentity(): Identity {
  let pool = randomBytes(16384);
  let at = 0;
  return {
    guid: () => {
      if (at === pool.length) {
        pool = randomBytes(16384);
        at = 0;
      }
      at += 16;
      // A plain view (cheaper to make than a Buffer); the pool is never written again.
      return new Uint8Array(pool.buffer, pool.byteOffset + at - 16, 16);
    },
    now: () => new Date(),
  };
}

/** GUIDs are SHA-256(seed, counter) truncated; the clock is fixed. */
export function seededIdentity(seed: string, clock: Date): Identity {
  let counter = 0;
  return {
    guid: () => new Uint8Array(createHash('sha256').update(`${seed}\0${counter++}`).digest().subarray(0, 16)),
    now: () => new Date(clock.getTime()),
  };
}
