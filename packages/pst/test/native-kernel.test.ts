import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { pstCrc } from '../src/encode/crc.js';
import { loadNativeKernel, type NativeIsa, type NativeKernel } from '../src/encode/native-kernel.js';
import { PERMUTE_ENCODE_TABLE } from '../src/encode/permute.js';
import { requireTool } from './support/oracles.js';

const loaded = loadNativeKernel();
const MISSING =
  'native kernel not built or disabled by PSTREAM_NATIVE=0 (it needs a C compiler, Debian packages gcc and libc6-dev; then: node packages/pst/scripts/build-native.mjs)';
const skip = loaded ? false : MISSING;
/** Only read inside tests, which are skipped when the kernel is missing. */
const kernel = loaded as NativeKernel;

/** The linear CRC (register starting at `crc`, no inversion) from zlib's inverted one. */
function referenceCrc(bytes: Uint8Array, crc: number): number {
  return ~crc32(bytes, ~crc >>> 0) >>> 0;
}

function referenceEncode(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => PERMUTE_ENCODE_TABLE[b]!);
}

/** A seeded xorshift32 generator: deterministic tests. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const next = random(0x5eed);
const POOL = new Uint8Array(1 << 17).map(() => next() & 0xff);

function bytesOf(size: number, shared: boolean, seed: number): Uint8Array {
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  const start = seed % (POOL.length - size);
  bytes.set(POOL.subarray(start, start + size));
  return bytes;
}

interface Case {
  length: number;
  from: number;
  at: number;
  encode: boolean;
  inPlace: boolean;
  shared: boolean;
  crc: number;
}

function describe(c: Case): string {
  return `${kernel.isa} length ${c.length} from ${c.from} at ${c.at} encode ${c.encode} ${c.inPlace ? 'in place' : 'copy'} ${c.shared ? 'shared' : 'unshared'} crc ${c.crc}`;
}

/** Runs encodeCopy and checks the target (inside and around the range), the source and the CRC. */
function check(c: Case, seed: number): void {
  const guard = 64;
  const source = bytesOf(c.from + c.length + guard, c.shared && c.inPlace, seed);
  const original = source.slice();
  const target = c.inPlace ? source : bytesOf(c.at + c.length + guard, c.shared, seed * 7 + 1);
  const at = c.inPlace ? c.from : c.at;
  const targetBefore = target.slice();
  const plain = original.subarray(c.from, c.from + c.length);
  const written = c.encode ? referenceEncode(plain) : plain;
  const crc = kernel.encodeCopy(target, at, source, c.from, c.length, c.encode, c.crc);
  const expected = targetBefore.slice();
  expected.set(written, at);
  const name = describe(c);
  if (!bytesEqual(target, expected)) assert.fail(`${name}: target bytes differ`);
  if (!c.inPlace && !bytesEqual(source, original)) assert.fail(`${name}: source changed`);
  assert.equal(crc, referenceCrc(written, c.crc), `${name}: CRC`);
  if (c.crc === 0) assert.equal(crc, pstCrc(written), `${name}: PST CRC`);
  assert.equal(kernel.crc(target, at, c.length, c.crc), crc, `${name}: crc() over the written bytes`);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs `body` once per code path this CPU supports, restoring the default path afterwards. */
function eachIsa(body: (isa: NativeIsa) => void): void {
  const initial = kernel.isa;
  try {
    for (const isa of kernel.supported) {
      kernel.setIsa(isa);
      assert.equal(kernel.isa, isa);
      body(isa);
    }
  } finally {
    kernel.setIsa(initial);
  }
}

test('the kernel is built wherever a C compiler is', async (t) => {
  if (loaded || process.env.PSTREAM_NATIVE === '0') return;
  // The install builds it with the first of $CC, cc, gcc, clang that runs (build-native.mjs).
  if (!(await requireTool(t, process.env.CC ?? 'cc', 'gcc'))) return;
  if (process.env.CI === 'true') assert.fail(`a C compiler is here but ${MISSING}`);
  t.skip(MISSING);
});

test('the loader finds the built addon and picks the best path this CPU has', { skip }, () => {
  assert.ok(isAbsolute(kernel.path) && kernel.path.endsWith('native/build/pst_kernel.node'), kernel.path);
  assert.equal(loadNativeKernel(), kernel, 'cached');
  assert.ok(kernel.supported.includes('scalar'));
  assert.equal(kernel.isa, kernel.supported[0]);
  if (process.arch === 'x64') assert.ok(kernel.supported.includes('avx2'), 'any x86-64 CPU of this decade has AVX2');
});

test('every byte value encodes through the ENCODE table', { skip }, () => {
  const all = new Uint8Array(1024).map((_, i) => (i * 37 + (i >> 8)) & 0xff);
  eachIsa((isa) => {
    const out = new Uint8Array(all.length);
    kernel.encodeCopy(out, 0, all, 0, all.length, true, 0);
    assert.deepEqual(out, referenceEncode(all), isa);
  });
});

test('encodeCopy at every length 0..300, with varied alignments, in place and not, shared and not', { skip }, () => {
  const r = random(1);
  eachIsa(() => {
    for (let length = 0; length <= 300; length++) {
      for (const encode of [true, false]) {
        for (const inPlace of [false, true]) {
          for (const shared of [false, true]) {
            const from = (length * 5 + (encode ? 1 : 0)) % 64;
            const at = (length * 11 + (shared ? 3 : 0)) % 64;
            const crc = length % 3 === 0 ? 0 : r();
            check({ length, from, at, encode, inPlace, shared, crc }, length + 1);
          }
        }
      }
    }
  });
});

test('encodeCopy at every source and target alignment 0..63 (lengths that reach the folding loops and the tails)', {
  skip,
}, () => {
  const r = random(2);
  eachIsa(() => {
    for (let from = 0; from < 64; from++) {
      for (let at = 0; at < 64; at++) {
        const length = 64 + (((from * 64 + at) * 37) % 1100);
        const encode = ((from + at) & 1) === 0;
        check({ length, from, at, encode, inPlace: false, shared: (at & 2) === 0, crc: r() }, from * 64 + at);
      }
      check(
        { length: 700 + from, from, at: from, encode: true, inPlace: true, shared: (from & 1) === 0, crc: r() },
        from,
      );
    }
  });
});

test('encodeCopy at random lengths up to 64 KiB', { skip }, () => {
  const r = random(3);
  eachIsa(() => {
    for (let k = 0; k < 120; k++) {
      const length = r() % 65537;
      check(
        {
          length,
          from: r() % 64,
          at: r() % 64,
          encode: (k & 1) === 0,
          inPlace: (k & 2) === 0,
          shared: (k & 4) === 0,
          crc: k % 5 === 0 ? 0 : r(),
        },
        k,
      );
    }
  });
});

test('crc() matches zlib at every length 0..1200 and random ones, any offset and initial value (catches a wrong fold constant)', {
  skip,
}, () => {
  const r = random(4);
  const bytes = bytesOf(70000, false, 9);
  eachIsa((isa) => {
    for (let length = 0; length <= 1200; length++) {
      const from = (length * 13) % 64;
      const crc = length & 1 ? r() : 0;
      const expected = referenceCrc(bytes.subarray(from, from + length), crc);
      const actual = kernel.crc(bytes, from, length, crc);
      if (actual !== expected)
        assert.fail(`${isa} crc length ${length} from ${from} crc ${crc}: ${actual} != ${expected}`);
    }
    for (let k = 0; k < 200; k++) {
      const from = r() % 64;
      const length = r() % 65537;
      const crc = r();
      assert.equal(
        kernel.crc(bytes, from, length, crc),
        referenceCrc(bytes.subarray(from, from + length), crc),
        `${isa} ${length}`,
      );
    }
    // A CRC continues across calls: split anywhere, the second call starts from the first's result.
    for (const split of [0, 1, 63, 64, 1000, 8175]) {
      const whole = kernel.crc(bytes, 5, 8176, 0);
      assert.equal(
        kernel.crc(bytes, 5 + split, 8176 - split, kernel.crc(bytes, 5, split, 0)),
        whole,
        `${isa} split ${split}`,
      );
    }
  });
});

test('the CRC of all-zero and all-ones blocks, and a known PST value', { skip }, () => {
  eachIsa((isa) => {
    for (const fill of [0x00, 0xff]) {
      const block = new Uint8Array(8176).fill(fill);
      assert.equal(kernel.crc(block, 0, block.length, 0), pstCrc(block), `${isa} fill ${fill}`);
    }
    // With the register starting at 0 and no inversion, zero bytes keep it at 0.
    assert.equal(kernel.crc(new Uint8Array(4096), 0, 4096, 0), 0, isa);
    // "123456789": CRC-32/JAMCRC (register from ~0, no inversion) is 0x340BC6D9.
    const digits = new TextEncoder().encode('123456789');
    assert.equal(kernel.crc(digits, 0, digits.length, 0xffffffff), 0x340bc6d9, isa);
  });
});

test('a target on WebAssembly memory (shared) and on a Buffer', { skip }, () => {
  type Memory = { readonly buffer: ArrayBufferLike };
  const wasm = (
    globalThis as unknown as {
      WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => Memory };
    }
  ).WebAssembly;
  const memory = new wasm.Memory({ initial: 2, maximum: 2, shared: true });
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  const source = bytesOf(20000, false, 77);
  eachIsa((isa) => {
    const view = new Uint8Array(memory.buffer, 1000, 30000);
    view.fill(0);
    const crc = kernel.encodeCopy(view, 17, source, 3, 19000, true, 0);
    const expected = referenceEncode(source.subarray(3, 19003));
    assert.deepEqual(view.subarray(17, 19017), expected, isa);
    assert.equal(new Uint8Array(memory.buffer)[1000 + 16], 0, `${isa}: the byte before the range`);
    assert.equal(new Uint8Array(memory.buffer)[1000 + 19017], 0, `${isa}: the byte after the range`);
    assert.equal(crc, pstCrc(expected), isa);
    const buffer = Buffer.alloc(5000);
    assert.equal(kernel.encodeCopy(buffer, 1, source, 0, 4000, false, 0), pstCrc(source.subarray(0, 4000)), isa);
    assert.deepEqual(buffer.subarray(1, 4001), Buffer.from(source.subarray(0, 4000)), isa);
  });
});

test('overlapping ranges at different offsets read the source as it was', { skip }, () => {
  eachIsa((isa) => {
    for (const [from, at] of [
      [0, 10],
      [10, 0],
      [3, 200],
      [200, 3],
    ] as const) {
      const bytes = bytesOf(3000, false, from + at);
      const plain = bytes.slice(from, from + 2000);
      const crc = kernel.encodeCopy(bytes, at, bytes, from, 2000, true, 0);
      const expected = referenceEncode(plain);
      assert.deepEqual(bytes.subarray(at, at + 2000), expected, `${isa} ${from}→${at}`);
      assert.equal(crc, pstCrc(expected), `${isa} ${from}→${at}`);
    }
  });
});

test('argument errors name the argument and never crash', { skip }, () => {
  const k = kernel as unknown as Record<string, (...args: unknown[]) => unknown>;
  const b = new Uint8Array(16);
  const typeError = (fn: () => unknown, pattern: RegExp): void =>
    assert.throws(fn, (e: unknown) => e instanceof TypeError && pattern.test(e.message));
  const rangeError = (fn: () => unknown, pattern: RegExp): void =>
    assert.throws(fn, (e: unknown) => e instanceof RangeError && pattern.test(e.message));
  typeError(() => k.encodeCopy!(b, 0, b, 0, 1, true), /7 arguments/);
  typeError(() => k.encodeCopy!([1, 2], 0, b, 0, 1, true, 0), /target must be a Uint8Array, got object/);
  typeError(() => k.encodeCopy!(new Uint16Array(4), 0, b, 0, 1, true, 0), /target must be a Uint8Array/);
  typeError(() => k.encodeCopy!(b, '0', b, 0, 1, true, 0), /at must be a number, got string/);
  typeError(() => k.encodeCopy!(b, 0, 'x', 0, 1, true, 0), /source must be a Uint8Array, got string/);
  typeError(() => k.encodeCopy!(b, 0, b, null, 1, true, 0), /from must be a number, got null/);
  typeError(() => k.encodeCopy!(b, 0, b, 0, 1, 1, 0), /encode must be a boolean, got number/);
  typeError(() => k.encodeCopy!(b, 0, b, 0, 1, true, 1n), /crc must be a number, got bigint/);
  rangeError(() => k.encodeCopy!(b, -1, b, 0, 1, true, 0), /at must be a non-negative integer, got -1/);
  rangeError(() => k.encodeCopy!(b, 0.5, b, 0, 1, true, 0), /at must be a non-negative integer, got 0.5/);
  rangeError(() => k.encodeCopy!(b, 0, b, 0, NaN, true, 0), /length must be a non-negative integer, got nan/i);
  rangeError(() => k.encodeCopy!(b, 10, b, 0, 7, true, 0), /at \+ length \(10 \+ 7\) exceeds target.length \(16\)/);
  rangeError(() => k.encodeCopy!(b, 0, b, 17, 0, true, 0), /from \+ length \(17 \+ 0\) exceeds source.length \(16\)/);
  rangeError(
    () => k.encodeCopy!(b, 0, b, 0, 2 ** 53 - 1, true, 0),
    /length \(0 \+ 9007199254740991\) exceeds target.length/,
  );
  rangeError(() => k.encodeCopy!(b, 0, b, 0, 1, true, 2 ** 32), /crc must be a 32-bit integer, got 4294967296/);
  rangeError(() => k.crc!(b, 1, 16, 0), /crc: from \+ length \(1 \+ 16\) exceeds bytes.length \(16\)/);
  typeError(() => k.crc!(b, 0, 1), /4 arguments/);
  typeError(() => k.crc!(new DataView(b.buffer), 0, 1, 0), /bytes must be a Uint8Array/);
  assert.throws(() => kernel.setIsa('sse9' as NativeIsa), /name must be 'avx512', 'avx2' or 'scalar', got 'sse9'/);
  // Negative CRCs are taken as `crc >>> 0`; a zero length returns the CRC; a detached buffer is an empty array.
  assert.equal(kernel.crc(b, 3, 5, -1), kernel.crc(b, 3, 5, 0xffffffff));
  assert.equal(kernel.encodeCopy(b, 16, b, 16, 0, true, 1234), 1234);
  const detached = new Uint8Array(new ArrayBuffer(64));
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  rangeError(() => kernel.encodeCopy(detached, 0, b, 0, 1, true, 0), /exceeds target.length \(0\)/);
  assert.equal(kernel.encodeCopy(detached, 0, b, 0, 0, true, 7), 7);
});

test('a worker thread loads the addon and encodes into a SharedArrayBuffer with the same path', { skip }, async () => {
  const shared = new SharedArrayBuffer(10000);
  const source = bytesOf(9000, false, 5);
  new Uint8Array(shared).set(source, 500);
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const kernel = require(workerData.path);
    const bytes = new Uint8Array(workerData.shared);
    const crc = kernel.encodeCopy(bytes, 500, bytes, 500, 8176, true, 0);
    parentPort.postMessage({ crc, isa: kernel.isa() });
  `;
  const initial = kernel.isa;
  for (const isa of kernel.supported) {
    kernel.setIsa(isa);
    new Uint8Array(shared).set(source, 500);
    const worker = new Worker(code, { eval: true, workerData: { path: kernel.path, shared } });
    const reply = await new Promise<{ crc: number; isa: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const expected = referenceEncode(source.subarray(0, 8176));
    assert.equal(reply.isa, isa, 'the path is chosen for the whole process');
    assert.deepEqual(new Uint8Array(shared, 500, 8176), expected);
    assert.equal(reply.crc, pstCrc(expected));
  }
  kernel.setIsa(initial);
});

test('the addon holds no ENCODE table of its own: it encodes only once setTable gave it one', { skip }, () => {
  // A fresh process that loads the .node file directly, without the loader that hands the table over.
  const code = `
    const kernel = require(${JSON.stringify(kernel.path)});
    const bytes = new Uint8Array(64).fill(1);
    try { kernel.encodeCopy(bytes, 0, bytes, 0, 16, true, 0); console.log('encoded'); } catch (e) { console.log(e.code + ': ' + e.message); }
    console.log('copy crc', kernel.encodeCopy(bytes, 0, bytes, 0, 16, false, 0));
    try { kernel.setTable(new Uint8Array(255)); } catch (e) { console.log(e.message); }
    kernel.setTable(new Uint8Array(256).map((_, i) => 255 - i));
    kernel.encodeCopy(bytes, 0, bytes, 0, 16, true, 0);
    console.log('encoded', bytes[0]);
  `;
  const run = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), [
    'ERR_INVALID_STATE: encodeCopy: no ENCODE table yet (setTable was not called)',
    `copy crc ${pstCrc(new Uint8Array(16).fill(1))}`,
    'setTable: table must hold 256 bytes, got 255',
    'encoded 254',
  ]);
});

test('PSTREAM_NATIVE=0 disables the kernel and PSTREAM_NATIVE=scalar selects that path', { skip }, () => {
  const probe = `import { loadNativeKernel } from './packages/pst/src/encode/native-kernel.ts';
    const k = loadNativeKernel(); console.log(k ? k.isa : 'none');`;
  const run = (value: string): string => {
    const r = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', probe],
      {
        cwd: new URL('../../..', import.meta.url),
        env: { ...process.env, PSTREAM_NATIVE: value },
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(run('0'), 'none');
  assert.equal(run('scalar'), 'scalar');
  assert.equal(run('1'), kernel.supported[0]);
});
