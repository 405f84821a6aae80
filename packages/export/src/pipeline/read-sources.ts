/**
 * The first stage of the export: the items of its sources, one source after another, as the selection shows them.
 * A source given as a path is opened here (and closed once read); its damaged items and warnings are reported to
 * the export. Of each source come first its folders (their classes, and without a keyword the folders no message
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
  try {
    for (const given of options.sources) {
      const reported: DamagedItem[] = [];
      const source = options.selection.wrap(
        typeof given === 'string' ? await open(given, options, reported, parsePool) : given,
      );
      options.reads.reading(source);
      try {
        for await (const spec of untilAborted(source.folders(), signal)) yield { kind: 'folder', spec };
        for await (const message of untilAborted(source.messages(), signal)) {
          signal.throwIfAborted();
          for (let item = reported.shift(); item !== undefined; item = reported.shift())
            yield { kind: 'damaged', item };
          yield { kind: 'message', message };
        }
        for (let item = reported.shift(); item !== undefined; item = reported.shift()) yield { kind: 'damaged', item };
      } finally {
        if (typeof given === 'string') await source.close();
      }
    }
  } finally {
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
