/**
 * The workloads of `bench:export`. Each builds its messages in memory before the clock starts (see
 * `message-pool.ts`); the SpamAssassin one also lays the corpus out as an `.eml` tree, which the export then
 * parses for real. `--quick` runs every workload scaled down (a smoke test of the harness, not a measurement).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type GeneratorOptions, writeMailbox } from '@pstream/fixtures';
import type { FolderSpec } from '@pstream/pst';
import type { MessageSource, SourceMessage } from '@pstream/sources';
import type { BytePool } from './byte-pool.js';
import { buildCorpusCache, CorpusCache } from './corpus-cache.js';
import type { BenchMode } from './measure.js';
import { cycledBytes, generatePool, type MessagePool, type PooledMessage } from './message-pool.js';
import { bareParse, type ParseReference } from './parse-reference.js';
import { type CorpusScan, scanCorpus, writeCorpusTree } from './spamassassin.js';

const MB = 1_000_000;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * The export's keyword query: it matches every message (so the export writes what the writer alone writes) and,
 * having no match to stop at, makes the filter read every searched field of every message — its worst case.
 */
export const FULL_SCAN_QUERY = 'NOT zqxjvw';

/** Most distinct records a cycled workload keeps in memory. */
export const POOL_LIMIT = 2000;

export interface BuildContext {
  readonly quick: boolean;
  /** What will be measured: the export (either way) needs no in-memory records when it reads files. */
  readonly mode: BenchMode;
  /** A scratch directory of the child process, deleted after it. */
  readonly dir: string;
  readonly bytes: BytePool;
}

/** A workload, built and ready to be written. */
export interface WorkloadInput {
  readonly folders: readonly FolderSpec[];
  /** Messages written. */
  readonly count: number;
  /** Approximate payload of all messages (text and attachment bytes). */
  readonly payloadBytes: number;
  /** The i-th message (0 ≤ i < count). */
  message(i: number): PooledMessage;
  /** What the whole export reads. */
  exportSources(): (MessageSource | string)[];
  /** Distinct records held in memory. */
  readonly distinct: number;
  /** What a reader of the figures must know about the input (messages left out, and why). */
  readonly notes?: readonly string[];
  /** The export's keyword query; `FULL_SCAN_QUERY` when absent. */
  readonly keywords?: string;
  /**
   * Real-mail workloads: the bare parse of the same files (`parse-reference.ts`), run by the export's child after
   * its measurement, so that the export's speed is also a ratio to the parse alone.
   */
  parseReference?(): Promise<ParseReference>;
  /** The export's `parseThreads`, when not the default. */
  readonly parseThreads?: number;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** The part size limit of the export (and of the writer alone, through the splitter); none: one file. */
  partLimitBytes(quick: boolean): number | undefined;
  /** `bCryptMethod` of the files written: `permute` (the default) unless a workload says `none`. */
  readonly encryption?: 'permute' | 'none';
  /** The modes it can be measured in; every one when absent (a workload read from files has no writer mode). */
  readonly modes?: readonly BenchMode[];
  build(ctx: BuildContext): Promise<WorkloadInput>;
}

/** The in-memory source the export reads a pooled workload from. */
export class PoolSource implements MessageSource {
  readonly kind = 'eml' as const;
  readonly path = '(memory)';
  readonly name = 'bench';

  constructor(private readonly input: Pick<WorkloadInput, 'folders' | 'count' | 'message'>) {}

  async *folders(): AsyncIterable<FolderSpec> {
    yield* this.input.folders;
  }

  async *messages(): AsyncIterable<SourceMessage> {
    for (let i = 0; i < this.input.count; i++) {
      const m = this.input.message(i);
      yield { folder: m.folder, record: m.record, origin: `memory#${i}` };
    }
  }

  async close(): Promise<void> {}
}

/** A workload of `count` messages drawn in turn from `pool`. */
export function cycled(pool: MessagePool, count: number): WorkloadInput {
  const { messages } = pool;
  if (messages.length === 0) throw new RangeError('the message pool is empty');
  const input = {
    folders: pool.folders,
    count,
    payloadBytes: cycledBytes(pool, count),
    distinct: messages.length,
    message: (i: number) => messages[i % messages.length]!,
  };
  return { ...input, exportSources: () => [new PoolSource(input)] };
}

/** Small messages: text and HTML bodies, headers, recipients; no attachments. */
const SMALL: Omit<GeneratorOptions, 'messages'> = {
  seed: 'bench-small',
  attachments: { share: 0 },
  inlineImageShare: 0,
  embeddedMessageShare: 0,
};

function small(name: string, full: number, quick: number): Workload {
  return {
    name,
    description: `${full.toLocaleString('en-US')} small messages (no attachments)`,
    partLimitBytes: () => undefined,
    async build({ quick: q, bytes }) {
      const count = q ? quick : full;
      return cycled(await generatePool(SMALL, { maxMessages: Math.min(count, POOL_LIMIT) }, bytes), count);
    },
  };
}

/** Messages generated until their payload reaches a byte target. */
function sized(
  name: string,
  description: string,
  options: Omit<GeneratorOptions, 'messages'>,
  full: number,
  quick: number,
  limit?: { full: number; quick: number },
  encryption?: 'none',
): Workload {
  return {
    name,
    description,
    ...(encryption ? { encryption } : {}),
    partLimitBytes: (q) => (limit ? (q ? limit.quick : limit.full) : undefined),
    async build({ quick: q, bytes }) {
      const pool = await generatePool(options, { maxMessages: 100_000, maxBytes: q ? quick : full }, bytes);
      return cycled(pool, pool.messages.length);
    },
  };
}

/** PSTForge's published run: 5,000 small messages and 100 with a 1 MiB attachment, parts capped at 50 MiB. */
const pstforge: Workload = {
  name: 'pstforge',
  description: '5,000 small + 100 messages with a 1 MiB attachment, 50 MiB parts (PSTForge comparison)',
  partLimitBytes: (q) => (q ? 2 * MiB : 50 * MiB),
  async build({ quick, bytes }) {
    const smallCount = quick ? 250 : 5000;
    const bigCount = quick ? 5 : 100;
    const smalls = await generatePool({ ...SMALL, seed: 'bench-pstforge-small' }, { maxMessages: smallCount }, bytes);
    const bigs = await generatePool(
      {
        ...SMALL,
        seed: 'bench-pstforge-1mib',
        attachments: { share: 1, minBytes: MiB, maxBytes: MiB, maxPerMessage: 1 },
      },
      { maxMessages: bigCount },
      bytes,
    );
    // The attachment messages spread evenly through the mailbox.
    const total = smallCount + bigCount;
    const bigAt = new Set(Array.from({ length: bigCount }, (_, k) => Math.floor(((k + 0.5) * total) / bigCount)));
    const messages: PooledMessage[] = [];
    let s = 0;
    let b = 0;
    for (let i = 0; i < total; i++) messages.push(bigAt.has(i) ? bigs.messages[b++]! : smalls.messages[s++]!);
    const folders = [
      ...smalls.folders,
      ...bigs.folders.filter((f) => !smalls.folders.some((g) => g.path.join('/') === f.path.join('/'))),
    ];
    return cycled({ folders, messages }, messages.length);
  },
};

/** Seconds a full pass of `cache.message` over the cache takes (the better of two passes). */
function decodeSeconds(cache: CorpusCache): number {
  let best = Infinity;
  for (let pass = 0; pass < 2; pass++) {
    const start = performance.now();
    for (let i = 0; i < cache.count; i++) cache.message(i);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

/**
 * The corpus, as many times over as `repeat` says. The export parses the `.eml` tree itself; the writer alone is
 * given records that a process of their own parsed into a `CorpusCache` (so that the parser's garbage and the
 * parsed records are not part of the measuring process' memory), deserialized from it as they are written.
 */
function spamassassin(repeat: number): Workload {
  return {
    name: `spamassassin-x${repeat}`,
    description: `the SpamAssassin corpus (6,046 real messages) ${repeat} times; the export parses the .eml files`,
    partLimitBytes: () => undefined,
    async build({ quick, dir, mode }) {
      const tree = await writeCorpusTree(`${dir}/corpus`, quick ? 40 : undefined);
      const times = quick ? 1 : repeat;
      const exportSources = () => Array.from({ length: times }, () => tree.dir);
      if (mode !== 'writer') {
        const scan = await scanCorpus(tree.dir);
        const message = () => {
          throw new Error('the export reads the corpus from its files');
        };
        return {
          folders: scan.folders,
          count: scan.count * times,
          payloadBytes: 0,
          distinct: 0,
          notes: corpusNotes(scan, tree.dir),
          exportSources,
          message,
        };
      }
      const file = `${dir}/corpus.v8`;
      await buildCorpusCache(tree.dir, file);
      const cache = await CorpusCache.load(file);
      await rm(file, { force: true });
      const count = cache.count * times;
      const us = (decodeSeconds(cache) / cache.count) * 1e6;
      const notes = [
        ...corpusNotes(cache.summary, tree.dir),
        `the writer alone: its records are deserialized from a v8-serialized copy of the parsed corpus (${(cache.byteLength / MB).toFixed(1)} MB, parsed by a process of its own) ` +
          `as they are written, inside the timed section: ${us.toFixed(0)} µs a message (timed in setup), ${((us * count) / 1e6).toFixed(2)} s of the run`,
      ];
      return {
        folders: cache.folders,
        count,
        payloadBytes: cache.summary.payloadBytes * times,
        distinct: cache.count,
        message: (i: number) => cache.message(i),
        notes,
        exportSources,
      };
    },
  };
}

/** What a reader must know about the corpus pass: messages left out, and why. */
function corpusNotes(scan: CorpusScan, treeDir: string): string[] {
  const notes: string[] = [];
  if (scan.excluded.length > 0) {
    const names = scan.excluded.slice(0, 3).map((e) => e.slice(treeDir.length + 1, e.indexOf(': ')));
    notes.push(
      `${scan.excluded.length} corpus messages left out, deleted from the tree: dated outside the FILETIME range (1601–30828), ` +
        `which the writer rejects (${names.join(', ')}${scan.excluded.length > 3 ? ', …' : ''})`,
    );
  }
  if (scan.damaged > 0) notes.push(`${scan.damaged} damaged messages skipped by the source`);
  return notes;
}

/** Every `.eml` file under `dir`, in a stable order. */
async function emlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.eml'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Real mail as an export meets it: the whole SpamAssassin corpus (damaged and undatable messages included: they
 * become placeholders) as an `.eml` tree on disk, `repeat` times over, with the keyword `support`; measured
 * against the bare parse of the same files.
 */
function realCorpus(repeat: number, parseThreads?: number): Workload {
  return {
    name: `real-spamassassin-x${repeat}${parseThreads === undefined ? '' : `-threads-${parseThreads}`}`,
    description:
      `the SpamAssassin corpus (6,046 real messages) ${repeat === 1 ? 'once' : `${repeat} times`} from an .eml tree, keyword "support", against the bare parse` +
      (parseThreads === undefined
        ? ''
        : parseThreads === 0
          ? '; parsed by the calling thread alone (parseThreads 0)'
          : `; parsed by ${parseThreads} thread${parseThreads === 1 ? '' : 's'} (parseThreads ${parseThreads})`),
    partLimitBytes: () => undefined,
    modes: ['export', 'stream'],
    async build({ quick, dir }) {
      const tree = await writeCorpusTree(`${dir}/corpus`, quick ? 40 : undefined);
      const files = await emlFiles(tree.dir);
      const folders = (await readdir(tree.dir)).sort().map((name) => ({ path: [name] }));
      const message = () => {
        throw new Error('the export reads the corpus from its files');
      };
      return {
        folders,
        count: files.length * repeat,
        payloadBytes: 0,
        distinct: 0,
        keywords: 'support',
        exportSources: () => Array.from({ length: repeat }, () => tree.dir),
        parseReference: () => bareParse(files, repeat, true),
        ...(parseThreads === undefined ? {} : { parseThreads }),
        message,
      };
    },
  };
}

/**
 * Attachment-heavy `.eml` files: 64 messages of 16 MiB (one 12 MiB attachment each, base64), written by the
 * fixture generator; every message is exported (base64 decoding and spooling included), against the bare parse.
 */
const emlAttachments: Workload = {
  name: 'real-eml-attachments',
  description:
    '64 .eml files of 16 MiB (one 12 MiB base64 attachment each), every message exported, against the bare parse',
  partLimitBytes: () => undefined,
  modes: ['export', 'stream'],
  async build({ quick, dir }) {
    const count = quick ? 4 : 64;
    const size = quick ? MiB : 12 * MiB;
    const { mailboxDir } = await writeMailbox({
      out: `${dir}/eml`,
      seed: 'bench-eml-attachments',
      messages: count,
      folders: 2,
      depth: 1,
      attachments: { share: 1, minBytes: size, maxBytes: size, maxPerMessage: 1 },
      inlineImageShare: 0,
      embeddedMessageShare: 0,
    });
    const files = await emlFiles(mailboxDir);
    const message = () => {
      throw new Error('the export reads the messages from their files');
    };
    return {
      folders: [],
      count: files.length,
      payloadBytes: count * size,
      distinct: 0,
      exportSources: () => [mailboxDir],
      parseReference: () => bareParse(files, 1, false),
      message,
    };
  },
};

const ATTACHMENTS_2G: Omit<GeneratorOptions, 'messages'> = {
  seed: 'bench-attach',
  attachments: { share: 1, minBytes: 1 * MB, maxBytes: 10 * MB, maxPerMessage: 3 },
  inlineImageShare: 0,
  embeddedMessageShare: 0,
};

export const WORKLOADS: readonly Workload[] = [
  small('small-10k', 10_000, 200),
  small('small-100k', 100_000, 1_000),
  small('small-1m', 1_000_000, 2_000),
  sized(
    'attachments-2g',
    '2 GB of messages with 1–10 MB attachments (1–3 a message)',
    ATTACHMENTS_2G,
    2_000 * MB,
    24 * MB,
  ),
  sized(
    'attachments-2g-none',
    'the attachments-2g messages written with bCryptMethod none (no permute encoding)',
    ATTACHMENTS_2G,
    2_000 * MB,
    24 * MB,
    undefined,
    'none',
  ),
  sized(
    'limit-1g',
    '1.5 GB of mixed mail (half with 10 KB–2 MB attachments) at the 1 GiB part limit',
    { seed: 'bench-limit', attachments: { share: 0.5, minBytes: 10_000, maxBytes: 2 * MB, maxPerMessage: 3 } },
    1_500 * MB,
    6 * MB,
    { full: GiB, quick: 2 * MiB },
  ),
  pstforge,
  spamassassin(10),
  realCorpus(1),
  realCorpus(3),
  realCorpus(3, 0),
  realCorpus(3, 1),
  realCorpus(3, 2),
  emlAttachments,
];

export function workloadNamed(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w)
    throw new RangeError(
      `workload must be one of ${WORKLOADS.map((x) => x.name).join(', ')}, got ${JSON.stringify(name)}`,
    );
  return w;
}
