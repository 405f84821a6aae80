/**
 * The first stage of the export: the items of its sources, one source after another, as the selection shows them.
 * A source given as a path is opened here (and closed once read); its damaged items and warnings are reported to
 * the export. The next source is opened, and asked to `prepare()`, while the current one's messages are read. Of each source come first its folders (their classes, and without a keyword the folders no message
 * goes into), then its messages, each preceded by the damaged items the source reported while reading up to it.
 */
import type { FolderSpec } from '@pstream/pst';
import {
  type DamagedItem,
  type MessageSource,
  MimeParsePool,
  openSource,
  type SourceMessage,
  type SourceWarning,
} from '@pstream/sources';
import type { ExportOptions } from '../api.js';
import type { ExportWarning } from '../warnings.js';
import type { Selection } from './selection.js';
import type { SourceReads } from './source-reads.js';
import { untilAborted } from './until-aborted.js';

/** An item of a source. The stage that takes a message disposes of it. */
export type SourceItem =
  | { readonly kind: 'folder'; readonly spec: FolderSpec }
  | { readonly kind: 'message'; readonly message: SourceMessage }
  | { readonly kind: 'damaged'; readonly item: DamagedItem };

export interface ReadSourcesOptions {
  readonly sources: ExportOptions['sources'];
  readonly onDamaged: ExportOptions['onDamaged'];
  readonly selection: Selection;
  readonly reads: SourceReads;
  /** Where a source opened here spools attachments: the export's own directory (see `openSource`). */
  readonly tmpDir: string;
  readonly warn: (warning: ExportWarning) => void;
  /** The export's: a source is not waited for once it aborts. */
  readonly signal: AbortSignal;
  /** Threads that parse the `.eml` trees opened here (0: this thread parses them); see `ExportOptions`. */
  readonly parseThreads?: number | undefined;
  /** The caller's pool, used instead of one of the export's own; see `ExportOptions`. */
  readonly parsePool?: MimeParsePool | undefined;
}

export async function* readSources(options: ReadSourcesOptions): AsyncGenerator<SourceItem> {
  const { signal } = options;
  // The sources opened here parse their .eml files in the export's threads, started at the first such file: their
  // compiled parser stays warm from one source to the next.
  const threads = options.parseThreads;
  const lent = options.parsePool;
  const parsePool = lent ?? (threads === 0 ? undefined : new MimeParsePool(threads));
  const sources = options.sources;
  /** A source opened here or given, with the damaged items it reported (a source opened here is closed here). */
  interface Opened {
    readonly source: MessageSource;
    readonly reported: DamagedItem[];
    readonly owned: boolean;
  }
  const openAt = async (i: number): Promise<Opened> => {
    const given = sources[i] as string | MessageSource;
    const reported: DamagedItem[] = [];
    if (typeof given !== 'string') return { source: given, reported, owned: false };
    return { source: await open(given, options, reported, parsePool), reported, owned: true };
  };
  // The next source, opened (and asked to prepare: an .eml tree lists its files) while this one's messages are
  // read, so that its listing does not leave the parsing threads idle between the two.
  let ahead: Promise<Opened> | undefined;
  try {
    for (let i = 0; i < sources.length; i++) {
      const next = ahead ?? openAt(i);
      ahead = undefined;
      const { source: opened, reported, owned } = await next;
      const source = options.selection.wrap(opened);
      options.reads.reading(source);
      try {
        for await (const spec of untilAborted(source.folders(), signal)) yield { kind: 'folder', spec };
        if (i + 1 < sources.length) {
          ahead = openAt(i + 1);
          ahead.then(
            (o) => o.source.prepare?.(),
            () => undefined, // thrown when its turn comes
          );
        }
        for await (const message of untilAborted(source.messages(), signal)) {
          signal.throwIfAborted();
          for (let item = reported.shift(); item !== undefined; item = reported.shift())
            yield { kind: 'damaged', item };
          yield { kind: 'message', message };
        }
        for (let item = reported.shift(); item !== undefined; item = reported.shift()) yield { kind: 'damaged', item };
      } finally {
        if (owned) await opened.close();
      }
    }
  } finally {
    // A source opened ahead and never read (the export ended first) is closed too.
    const unread = await ahead?.catch(() => undefined);
    if (unread?.owned) await unread.source.close();
    if (parsePool !== lent) await parsePool?.close();
  }
}

/** Opens the source at `path`; the damaged items it reports that the selection includes go into `reported`. */
function open(
  path: string,
  options: ReadSourcesOptions,
  reported: DamagedItem[],
  parsePool: MimeParsePool | undefined,
): Promise<MessageSource> {
  return openSource(path, {
    ...(parsePool ? { parsePool } : { parseThreads: 0 }),
    onDamaged: options.onDamaged === 'stop' ? 'stop' : 'skip',
    reportDamaged: (item: DamagedItem) => {
      if (options.selection.includesDamaged(item)) reported.push(item);
    },
    // A file not read, an item read other than as it is: said in the summary, never passed over in silence.
    reportWarning: (warning: SourceWarning) => options.warn(warning),
    // Spooled attachments live in the export's own directory, so that a killed run leaves one directory, which
    // removeAbandoned deletes (a spool directory beside it would carry no owner and stay forever).
    tmpDir: options.tmpDir,
    signal: options.signal,
  });
}
