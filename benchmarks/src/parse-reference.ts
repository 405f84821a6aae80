/**
 * The reference of the real-mail workloads: the bare parse. The same `.eml` files the export reads, each read into
 * memory outside the clock, then parsed one after another on one thread by mailparser's `simpleParser` (no
 * HTML-to-text, no text-to-HTML, no link detection, no attachment checksums: the export's own settings), which is the least any export of these files must do. Only the
 * parse calls are timed. The export's speed over this one says what the rest of the pipeline costs (or, above 1,
 * what reading ahead and parsing on several cores win).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the bare parse did. */
export interface ParseReference {
  readonly seconds: number;
  /** CPU seconds of the parse calls (user + system, every thread). */
  readonly cpuSeconds: number;
  readonly messages: number;
  readonly bytes: number;
}

type SimpleParser = (input: Buffer, options: Readonly<Record<string, boolean | number>>) => Promise<unknown>;

/**
 * mailparser's `simpleParser`, resolved from `@pstream/sources` (whose dependency it is): the reference parses with
 * the very copy of the parser the export uses.
 */
async function loadSimpleParser(): Promise<SimpleParser> {
  const sources = fileURLToPath(import.meta.resolve('@pstream/sources'));
  const entry = createRequire(sources).resolve('mailparser');
  const mod = (await import(pathToFileURL(entry).href)) as {
    simpleParser?: SimpleParser;
    default?: { simpleParser?: SimpleParser };
  };
  const parse = mod.simpleParser ?? mod.default?.simpleParser;
  if (typeof parse !== 'function') throw new Error(`mailparser at ${entry} has no simpleParser`);
  return parse;
}

const OPTIONS = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  checksumAlgo: false,
} as const;

/**
 * Parses `files` `times` times over. With `holdAll`, every file is read into memory first and held for the whole
 * run (a small corpus); otherwise each file is read just before its parse (large messages), still outside the clock.
 */
export async function bareParse(files: readonly string[], times: number, holdAll: boolean): Promise<ParseReference> {
  const parse = await loadSimpleParser();
  const held = holdAll ? await Promise.all(files.map((f) => readFile(f))) : undefined;
  let seconds = 0;
  let cpuSeconds = 0;
  let bytes = 0;
  for (let pass = 0; pass < times; pass++) {
    for (let i = 0; i < files.length; i++) {
      const input = held?.[i] ?? (await readFile(files[i]!));
      bytes += input.length;
      const cpu = process.cpuUsage();
      const start = performance.now();
      // A message simpleParser refuses still cost its parse: the export handles it too (as a placeholder).
      await parse(input, OPTIONS).catch(() => undefined);
      seconds += (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      cpuSeconds += (used.user + used.system) / 1e6;
    }
  }
  return { seconds, cpuSeconds, messages: files.length * times, bytes };
}
