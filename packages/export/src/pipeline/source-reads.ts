/**
 * The sources' side of an export's progress: their total size and how far they are read, summed over the sources.
 * Known only once every source tells its size: a path not yet opened, or a source without `readProgress`, does not.
 */
import type { MessageSource } from '@pstream/sources';

export class SourceReads {
  /** The sources opened so far, in the order of `sources`. */
  private readonly opened: MessageSource[] = [];

  constructor(private readonly sources: readonly (MessageSource | string)[]) {}

  /** The export goes on to the next source, `source` (opened from its path, or given). */
  reading(source: MessageSource): void {
    this.opened.push(source);
  }

  /** Undefined while the size of a source is unknown. Cheap: a few numbers read per source. */
  progress(): { readonly sourceBytes: number; readonly sourceBytesRead: number } | undefined {
    let sourceBytes = 0;
    let sourceBytesRead = 0;
    for (const [i, given] of this.sources.entries()) {
      const source = this.opened[i] ?? (typeof given === 'string' ? undefined : given);
      const read = source?.readProgress?.();
      if (read === undefined) return undefined;
      sourceBytes += read.totalBytes;
      sourceBytesRead += read.readBytes;
    }
    return { sourceBytes, sourceBytesRead };
  }
}
