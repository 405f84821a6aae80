/**
 * What libpst's readpst makes of a file's calendar items and contacts: it writes each appointment as a VEVENT
 * (.ics) and each contact as a VCARD (.vcf) from their MAPI properties, so these files show whether the
 * appointment and contact properties read back. The summary of readpst_summary.py keeps only their subject; here
 * every property line is kept.
 *
 * Each item is its content lines, unfolded, in order, without those readpst makes up per run or per file: `UID`
 * (the item's NID) and `DTSTAMP` (the time of the run), and the VCALENDAR/VCARD frame lines.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One .ics or .vcf item. */
export interface ReadpstItem {
  /** The folder, relative to readpst's top directory (the store's name), '/'-separated. */
  readonly folder: string;
  readonly kind: 'ics' | 'vcf';
  /** Its content lines, as described above. */
  readonly lines: readonly string[];
}

/** Lines readpst writes that differ between two runs or two files holding the same item. */
const MADE_UP = /^(UID|DTSTAMP)[;:]/;
const FRAME = /^(BEGIN|END):(VCALENDAR|VCARD)$|^(VERSION|PRODID)[;:]/;

/** Unfolds content lines (RFC 5545 §3.1, RFC 6350 §3.2). */
function contentLines(text: string): string[] {
  return text
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter((l) => l !== '' && !MADE_UP.test(l) && !FRAME.test(l));
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/**
 * Runs `readpst -e -8 -D -b -j 0 -q` (as readpst_summary.py does; `-j 0` because its parallel mode skips items on
 * two cores) and returns every .ics and .vcf item, sorted by folder and content (not by readpst's file numbers,
 * which follow the NIDs).
 */
export async function readpstItems(path: string): Promise<ReadpstItem[]> {
  const dir = await mkdtemp(join(tmpdir(), 'readpst-items-'));
  try {
    await run('readpst', ['-e', '-8', '-D', '-b', '-j', '0', '-q', '-o', dir, path], { maxBuffer: 64 * 1024 * 1024 });
    const tops = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
    const items: ReadpstItem[] = [];
    for (const top of tops) {
      for await (const file of files(join(dir, top.name))) {
        const kind = file.endsWith('.ics') ? 'ics' : file.endsWith('.vcf') ? 'vcf' : undefined;
        if (kind === undefined) continue;
        const folder = relative(join(dir, top.name), join(file, '..')).split(/[\\/]/).join('/');
        items.push({ folder, kind, lines: contentLines(await readFile(file, 'utf8')) });
      }
    }
    const key = (i: ReadpstItem): string => JSON.stringify([i.folder, i.kind, i.lines]);
    return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The value of the first line named `name` (before any parameters) of an item. */
export function itemValue(item: ReadpstItem, name: string): string | undefined {
  const line = item.lines.find(
    (l) => l.toUpperCase().startsWith(`${name.toUpperCase()}:`) || l.toUpperCase().startsWith(`${name.toUpperCase()};`),
  );
  return line === undefined ? undefined : line.slice(line.indexOf(':') + 1);
}
