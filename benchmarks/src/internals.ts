/**
 * The writer's internal modules, for the micro benchmarks of its hot paths. `@pstream/pst` exports only its public
 * API, so they are loaded by file, next to the module the package name resolves to (`dist/src/` once built,
 * `src/` under the tests' `source` condition). The types come from the same files (through the project reference,
 * from their declarations), so a change of signature there breaks this build rather than the benchmark.
 */

import type * as BlockEncoderModule from '../../packages/pst/src/encode/block-encoder.js';
import type * as Crc from '../../packages/pst/src/encode/crc.js';
import type * as NativeKernelModule from '../../packages/pst/src/encode/native-kernel.js';
import type * as Permute from '../../packages/pst/src/encode/permute.js';
import type * as HeapModule from '../../packages/pst/src/ltp/heap.js';
import type * as PropertyContext from '../../packages/pst/src/ltp/property-context.js';
import type * as PropertyType from '../../packages/pst/src/ltp/property-type.js';
import type * as PropertyValue from '../../packages/pst/src/ltp/property-value.js';
import type * as Subnodes from '../../packages/pst/src/ltp/subnodes.js';
import type * as TableContext from '../../packages/pst/src/ltp/table-context.js';
import type * as Store from '../../packages/pst/src/messaging/store.js';
import type * as NdbWriterModule from '../../packages/pst/src/ndb/ndb-writer.js';

export interface PstInternals {
  readonly crc: typeof Crc;
  readonly permute: typeof Permute;
  readonly blockEncoder: typeof BlockEncoderModule;
  readonly native: typeof NativeKernelModule;
  readonly ndb: typeof NdbWriterModule;
  readonly heap: typeof HeapModule;
  readonly pc: typeof PropertyContext;
  readonly values: typeof PropertyValue;
  readonly types: typeof PropertyType;
  readonly tc: typeof TableContext;
  readonly subnodes: typeof Subnodes;
  readonly store: typeof Store;
}

/** Loads the internal modules of the `@pstream/pst` this package resolves to. */
export async function loadPstInternals(): Promise<PstInternals> {
  const index = import.meta.resolve('@pstream/pst');
  const ext = index.endsWith('.ts') ? '.ts' : '.js';
  const load = <T>(path: string): Promise<T> => import(new URL(`./${path}${ext}`, index).href) as Promise<T>;
  const [crc, permute, blockEncoder, native, ndb, heap, pc, values, types, tc, subnodes, store] = await Promise.all([
    load<typeof Crc>('encode/crc'),
    load<typeof Permute>('encode/permute'),
    load<typeof BlockEncoderModule>('encode/block-encoder'),
    load<typeof NativeKernelModule>('encode/native-kernel'),
    load<typeof NdbWriterModule>('ndb/ndb-writer'),
    load<typeof HeapModule>('ltp/heap'),
    load<typeof PropertyContext>('ltp/property-context'),
    load<typeof PropertyValue>('ltp/property-value'),
    load<typeof PropertyType>('ltp/property-type'),
    load<typeof TableContext>('ltp/table-context'),
    load<typeof Subnodes>('ltp/subnodes'),
    load<typeof Store>('messaging/store'),
  ]);
  return { crc, permute, blockEncoder, native, ndb, heap, pc, values, types, tc, subnodes, store };
}
