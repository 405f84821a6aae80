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

export function randomIdentity(): Identity {
  return { guid: () => new Uint8Array(randomBytes(16)), now: () => new Date() };
}

/** GUIDs are SHA-256(seed, counter) truncated; the clock is fixed. */
export function seededIdentity(seed: string, clock: Date): Identity {
  let counter = 0;
  return {
    guid: () => new Uint8Array(createHash('sha256').update(`${seed}\0${counter++}`).digest().subarray(0, 16)),
    now: () => new Date(clock.getTime()),
  };
}
