#!/usr/bin/env node
// Throughput of the native kernel on 8 KiB blocks in cache, per code path, against the JavaScript block encoder
// (copy, permuteEncodeFast, zlib.crc32). Prints GB/s; asserts nothing.
// Needs the build (node_modules/.bin/tsc -b) for the JavaScript encoder. Usage: node packages/pst/native/bench.mjs
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { javaScriptEncoder } from '../dist/src/encode/block-encoder.js';
import { PERMUTE_ENCODE_TABLE } from '../dist/src/encode/permute.js';

const kernel = createRequire(import.meta.url)('./build/pst_kernel.node');
kernel.setTable(PERMUTE_ENCODE_TABLE); // the addon holds no table of its own
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

const target = new Uint8Array(REGION + 64);
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

const javaScript = javaScriptEncoder();
measure('JavaScript: copyBlock (encode + CRC)', (at) => {
  sink ^= javaScript.copyBlock(target, at + 8, source, at + 3, BLOCK, true);
});
measure('zlib.crc32 only', (at) => {
  sink ^= crc32(source.subarray(at, at + BLOCK), 0xffffffff);
});
measure('N-API call overhead (crc of 0 bytes)', () => {
  sink ^= kernel.crc(source, 0, 0, 1);
});
if (sink === 0.5) console.log(sink);
