/**
 * The block encoder: what the NDB writer does to a block's data on its way into the write buffer — copy it,
 * NDB_CRYPT_PERMUTE-encode it when the block is an external one of a permute file ([MS-PST] §5.1), and compute the
 * `dwCRC` of its BLOCKTRAILER over the bytes as stored ([MS-PST] §2.2.2.8.1, §5.3).
 *
 * Two implementations give the same bytes: the native kernel (`native-kernel.ts`), which does all three in one pass,
 * and a JavaScript one (`permuteEncodeFast`, then `zlib.crc32`) where the kernel is not built or `PSTREAM_NATIVE=0`.
 */
import { pstCrc } from './crc.js';
import { loadNativeKernel } from './native-kernel.js';
import { permuteEncodeFast } from './permute.js';

export interface BlockEncoder {
  /**
   * Copies `source[from, from + length)` to `target[at, at + length)`, permute-encoding it when `permute` is set, and
   * returns the block's `dwCRC` over the bytes as written to `target`. `target` must not overlap `source`.
   */
  copyBlock(target: Uint8Array, at: number, source: Uint8Array, from: number, length: number, permute: boolean): number;
  /** `native <isa>` or `javascript`: for the benchmarks' notes and the tests. */
  readonly name: string;
}

/** The native kernel's encoder when it is built and allowed (`native` not false), else the JavaScript one. */
export function blockEncoder(options: { readonly native?: boolean } = {}): BlockEncoder {
  const kernel = options.native === false ? undefined : loadNativeKernel();
  if (!kernel) return javaScriptEncoder();
  return {
    copyBlock: (target, at, source, from, length, permute) =>
      kernel.encodeCopy(target, at, source, from, length, permute, 0),
    get name(): string {
      return `native ${kernel.isa}`;
    },
  };
}

/** Copy, then encode four bytes at a time in place, then `zlib.crc32`. */
export function javaScriptEncoder(): BlockEncoder {
  // permuteEncodeFast reads 32-bit words of the target: one view over each target buffer, kept while it lives.
  const words = new WeakMap<ArrayBufferLike, Uint32Array>();
  const wordsOf = (target: Uint8Array): Uint32Array => {
    let view = words.get(target.buffer);
    if (!view) {
      view = new Uint32Array(target.buffer, 0, target.buffer.byteLength >> 2);
      words.set(target.buffer, view);
    }
    return view;
  };
  return {
    name: 'javascript',
    copyBlock(target, at, source, from, length, permute) {
      target.set(source.subarray(from, from + length), at);
      if (permute) permuteEncodeFast(target, wordsOf(target), at, at + length);
      return pstCrc(target.subarray(at, at + length));
    },
  };
}
