/**
 * Test helper: a `MessageSource` over in-memory records, with a hook called before each message is yielded (to
 * observe the producer, slow it down, abort at a given point or fail).
 */
import type { FolderSpec, MessageRecord } from '@pstream/pst';
import type { MessageSource, SourceMessage } from '@pstream/sources';

export interface MemoryItem {
  readonly folder: readonly string[];
  readonly record: MessageRecord;
}

export class MemorySource implements MessageSource {
  readonly kind = 'eml' as const;
  readonly path = 'memory:';
  readonly name = 'memory';
  /** Messages yielded so far. */
  yielded = 0;
  /** Messages disposed so far (the pipeline is done with them). */
  disposed = 0;
  closed = false;

  constructor(
    private readonly items: Iterable<MemoryItem> | AsyncIterable<MemoryItem>,
    private readonly beforeYield?: (index: number) => void | Promise<void>,
  ) {}

  async *folders(): AsyncIterable<FolderSpec> {}

  async *messages(): AsyncIterable<SourceMessage> {
    let index = 0;
    for await (const item of this.items) {
      await this.beforeYield?.(index);
      this.yielded++;
      yield {
        folder: item.folder,
        record: item.record,
        origin: `memory#${index}`,
        dispose: async () => void this.disposed++,
      };
      index++;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
