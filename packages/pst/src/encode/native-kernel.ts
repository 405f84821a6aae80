/**
 * The optional native kernel (`native/pst_kernel.c`, a Node-API addon built at install time by
 * `scripts/build-native.mjs`): copy + NDB_CRYPT_PERMUTE encode ([MS-PST] §5.1) + block CRC ([MS-PST] §5.3) in one
 * pass, with AVX-512, AVX2 or portable C code paths chosen for the CPU at load time. When the addon is not built
 * (no compiler at install, an unsupported platform) or `PSTREAM_NATIVE=0`, `loadNativeKernel` returns `undefined`
 * and the writer keeps its JavaScript encoder (`block-encoder.ts`).
 *
 * Not part of the package's API: the subpath `@pstream/pst/native-kernel` exists for `@pstream/export`, which
 * releases the ranges of its temporary files through `punchHole`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PERMUTE_ENCODE_TABLE } from './permute.js';

/** A code path of the native kernel. */
export type NativeIsa = 'avx512' | 'avx2' | 'scalar';

/** The native kernel's functions. All CRCs are "linear": the register starts at `crc` and is never inverted. */
export interface NativeKernel {
  /**
   * Copies `source[from, from + length)` to `target[at, at + length)`, permute-encoding each byte when `encode` is
   * set, and returns the CRC of the bytes as written to `target`, continued from `crc` (pass 0 for a PST block's
   * `dwCRC`). `target` and `source` may be the same bytes (in place); other overlaps work too, through a copy.
   * Throws a TypeError or RangeError naming the argument when a value has the wrong type or a range leaves its array.
   */
  encodeCopy(
    target: Uint8Array,
    at: number,
    source: Uint8Array,
    from: number,
    length: number,
    encode: boolean,
    crc: number,
  ): number;
  /** The CRC of `bytes[from, from + length)`, continued from `crc`. */
  crc(bytes: Uint8Array, from: number, length: number, crc: number): number;
  /**
   * Deallocates `[offset, offset + length)` of the open file `fd`, keeping its size (Linux `fallocate` with
   * FALLOC_FL_PUNCH_HOLE): its pages leave the page cache, dirty ones without being written. False where the system
   * or the file system cannot.
   */
  punchHole(fd: number, offset: number, length: number): boolean;
  /** The code path in use (for the whole process). */
  readonly isa: NativeIsa;
  /** The code paths this CPU can run, best first. */
  readonly supported: readonly NativeIsa[];
  /** Selects a code path for the whole process (tests, `PSTREAM_NATIVE`); throws on a path this CPU lacks. */
  setIsa(isa: NativeIsa): void;
  /** The absolute path of the `.node` file, for a worker thread to `require` (the addon is context-aware). */
  readonly path: string;
}

/** The addon's exports, as `pst_kernel.c` defines them. */
interface Addon {
  encodeCopy: NativeKernel['encodeCopy'];
  crc: NativeKernel['crc'];
  punchHole: NativeKernel['punchHole'];
  setTable: (table: Uint8Array) => void;
  isa(): NativeIsa;
  setIsa(isa: string): void;
  supported(): NativeIsa[];
}

const ISAS: readonly string[] = ['avx512', 'avx2', 'scalar'];

let cached: NativeKernel | null | undefined;

/**
 * The native kernel, or `undefined` when it is not built, fails to load or `PSTREAM_NATIVE=0`. Loaded once.
 * `PSTREAM_NATIVE=avx2|scalar` selects that path (with a warning and the default path if the CPU lacks it).
 */
export function loadNativeKernel(): NativeKernel | undefined {
  if (cached === undefined) cached = load() ?? null;
  return cached ?? undefined;
}

/** The `.node` file's path under the package root (the directory above this module holding package.json). */
export function nativeKernelPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'native', 'build', 'pst_kernel.node');
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function load(): NativeKernel | undefined {
  const setting = process.env.PSTREAM_NATIVE?.trim().toLowerCase();
  if (setting === '0' || setting === 'false' || setting === 'off') return undefined;
  const path = nativeKernelPath();
  if (!path || !existsSync(path)) return undefined;
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch {
    return undefined;
  }
  // An addon built from an older source lacks functions: it is not used (the next install or build rebuilds it).
  if (typeof addon.setTable !== 'function' || typeof addon.punchHole !== 'function') return undefined;
  // The addon holds no copy of the ENCODE table: it gets this one.
  addon.setTable(PERMUTE_ENCODE_TABLE);
  if (setting && setting !== '1' && setting !== 'true' && setting !== 'on') {
    try {
      if (!ISAS.includes(setting))
        throw new Error(`PSTREAM_NATIVE must be 0, 1, avx512, avx2 or scalar, got '${setting}'`);
      addon.setIsa(setting);
    } catch (error) {
      process.emitWarning(`${error instanceof Error ? error.message : String(error)}; using the '${addon.isa()}' path`);
    }
  }
  const supported = Object.freeze(addon.supported());
  return {
    encodeCopy: addon.encodeCopy,
    crc: addon.crc,
    punchHole: addon.punchHole,
    get isa(): NativeIsa {
      return addon.isa();
    },
    supported,
    setIsa(isa: NativeIsa): void {
      addon.setIsa(isa);
    },
    path,
  };
}
