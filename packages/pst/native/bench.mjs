#!/usr/bin/env node
// Throughput of the native kernel on 8 KiB blocks in cache, per code path, against the current path (the
// WebAssembly permute encoder's copyIn, then zlib.crc32 over the written bytes). Prints GB/s; asserts nothing.
// Needs the build (node_modules/.bin/tsc -b) for the WebAssembly encoder. Usage: node packages/pst/native/bench.mjs
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { createPermuteBuffer } from '../dist/src/encode/permute-buffer.js';

const kernel = createRequire(import.meta.url)('./build/pst_kernel.node');
const BLOCK = 8192;
const REGION = 64 * 1024; // source and target cycle through 64 KiB each: in L2
const source = new Uint8Array(REGION + 64);
for (let i = 0; i < source.length; i++) source[i] = (i * 2654435761) >>> 24;

function measure(name, body) {
  const blocks = REGION / BLOCK;
  let rounds = 0;
  const warm = performance.now();
  while (performance.now() - warm < 100) for (let b = 0; b < blocks; b++) body(b * BLOCK);
  const start = performance.now();
  let elapsed = 0;
  while ((elapsed = performance.now() - start) < 700) {
    for (let k = 0; k < 64; k++) for (let b = 0; b < blocks; b++) body(b * BLOCK);
    rounds += 64;
  }
  const bytes = rounds * blocks * BLOCK;
  console.log(`${name.padEnd(44)} ${(bytes / elapsed / 1e6).toFixed(2).padStart(7)} GB/s  (${((elapsed * 1e6) / (rounds * blocks)).toFixed(0)} ns per block)`);
}

const target = new Uint8Array(new SharedArrayBuffer(REGION + 64));
let sink = 0;
const initial = kernel.isa();
for (const isa of kernel.supported()) {
  kernel.setIsa(isa);
  measure(`native ${isa}: encodeCopy (encode + CRC)`, (at) => {
    sink ^= kernel.encodeCopy(target, at + 8, source, at + 3, BLOCK, true, 0);
  });
  measure(`native ${isa}: encodeCopy (copy + CRC)`, (at) => {
    sink ^= kernel.encodeCopy(target, at + 8, source, at + 3, BLOCK, false, 0);
  });
  measure(`native ${isa}: crc`, (at) => {
    sink ^= kernel.crc(source, at, BLOCK, 0);
  });
}
kernel.setIsa(initial);

const buffer = createPermuteBuffer(REGION + 64, { shared: true });
measure(`wasm${buffer.simd ? ' SIMD' : ' (JS)'}: copyIn + zlib.crc32`, (at) => {
  buffer.copyIn(source, at + 3, BLOCK, at + 8, true);
  sink ^= ~crc32(buffer.bytes.subarray(at + 8, at + 8 + BLOCK), 0xffffffff) >>> 0;
});
measure(`wasm${buffer.simd ? ' SIMD' : ' (JS)'}: copyIn only`, (at) => {
  buffer.copyIn(source, at + 3, BLOCK, at + 8, true);
});
measure('zlib.crc32 only', (at) => {
  sink ^= crc32(source.subarray(at, at + BLOCK), 0xffffffff);
});
measure('N-API call overhead (crc of 0 bytes)', () => {
  sink ^= kernel.crc(source, 0, 0, 1);
});
if (sink === 0.5) console.log(sink);
