/**
 * Every property of every item as libpff's pffexport dumps it (`-d`: ItemValues.txt per item), for comparing two
 * files property by property: a tagged property by its id and type, a named one by the LID or string name the
 * file's Name-to-ID map gives it (`lid:0x8205`, `name:Keywords`; pffexport prints no property set), so that the same
 * named property matches across files whose map assigns it different ids.
 *
 * Only items of the IPM subtree (the top-level folder named "Top of …": "Top of Personal Folders", "Top of Outlook
 * data file"; every folder of a file without one) and their own property context (set 0) are read; an item's
 * recipients and attachments are not.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One item: its folder under the IPM subtree ('' for the top), and its properties, key → value bytes as hex. */
export interface PffItem {
  readonly folder: string;
  /** pffexport's item directory name, e.g. `Appointment00003`. */
  readonly name: string;
  readonly properties: ReadonlyMap<string, string>;
}

/** The IPM subtree's folder as writers name it. */
const IPM_TOP = /^Top of /;
/** Item directories: Message00001, Contact00012, Appointment00003, … (a folder has its name, or FolderNNNNN for a second of the same name). */
const ITEM_DIR = /^(?!Folder\d)[A-Z][A-Za-z]*\d{5}$/;

/** The property key of an entry (see the module comment). */
function propertyKey(entryType: number, valueType: number, mapsTo: string | undefined): string {
  const type = valueType.toString(16).padStart(4, '0');
  if (entryType < 0x8000 || mapsTo === undefined) return `0x${entryType.toString(16).padStart(4, '0')}/${type}`;
  return `${mapsTo}/${type}`;
}

/** Parses ItemValues.txt: blocks of `Set:`, `Entry type:`, `Value type:`, `Maps to entry…:`, then a hex dump. */
export function parseItemValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split(/\n\s*\n/)) {
    const set = /^Set:\s+(\d+)/m.exec(block);
    const entry = /^Entry type:\s+0x([0-9a-f]+)/im.exec(block);
    const value = /^Value type:\s+0x([0-9a-f]+)/im.exec(block);
    if (set === null || entry === null || value === null || set[1] !== '0') continue;
    const lid = /^Maps to entry type:\s+0x([0-9a-f]+)/im.exec(block);
    const name = /^Maps to entry:\s+(.+)$/m.exec(block);
    const mapsTo = lid ? `lid:0x${lid[1]!.slice(-4)}` : name ? `name:${name[1]!.trim()}` : undefined;
    const hex = [...block.matchAll(/^0x[0-9a-f]{8}: ((?:[0-9a-f]{2} {1,2})+)/gim)]
      .map((m) => m[1]!.replace(/\s+/g, ''))
      .join('');
    out.set(propertyKey(parseInt(entry[1]!, 16), parseInt(value[1]!, 16), mapsTo), hex);
  }
  return out;
}

async function* itemDirs(dir: string, folder: string): AsyncGenerator<{ folder: string; name: string; dir: string }> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (ITEM_DIR.test(entry.name)) yield { folder, name: entry.name, dir: path };
    else yield* itemDirs(path, folder === '' ? entry.name : `${folder}/${entry.name}`);
  }
}

/**
 * Runs `pffexport -q -d` on `path` and returns the IPM subtree's items with their properties. `top`: the IPM
 * subtree folder's name when it is not "Top of …" (Outlook names it in the user's language).
 */
export async function pffexportItems(path: string, top?: string): Promise<PffItem[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pffexport-items-'));
  try {
    // pffexport exits 1 when some item cannot be exported; the others are still written.
    await run('pffexport', ['-q', '-d', '-t', join(dir, 'x'), path], { maxBuffer: 64 * 1024 * 1024 }).catch(
      () => undefined,
    );
    const items: PffItem[] = [];
    // A file without an IPM subtree (an OST) has its folders from the root.
    const root = join(dir, 'x.export');
    const ipm = (await readdir(root)).find((name) => (top === undefined ? IPM_TOP.test(name) : name === top));
    for await (const item of itemDirs(ipm === undefined ? root : join(root, ipm), '')) {
      const text = await readFile(join(item.dir, 'ItemValues.txt'), 'utf8').catch(() => '');
      items.push({ folder: item.folder, name: item.name, properties: parseItemValues(text) });
    }
    return items;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
