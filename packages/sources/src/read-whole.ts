/**
 * Reads a small file whole. `fs.readFile` with a callback: `fs/promises`' `readFile` goes through a FileHandle
 * (open, stat, reads, close each a promise), which costs several times more per file on a tree of small messages.
 */
import { readFile } from 'node:fs';

export function readWhole(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => readFile(path, (error, data) => (error ? reject(error) : resolve(data))));
}
