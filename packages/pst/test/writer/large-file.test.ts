/**
 * A file above 2.1 GB, so that the first FMap slot (0x1F04800) and the first FPMap slot (0x7C004800) are crossed:
 * three messages whose attachments add up to about 2.2 GB, streamed from a generator. Runs only with CI=true or
 * PSTREAM_LARGE_TESTS=1 (minutes of IO and 2.2 GB of temporary disk).
 */

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { compareWithExpected, requireReaders, runFsck, runPypff } from '../support/oracles.js';
import { assertCheckClean, expectedFolders, seededAttachment, tempDir, type Written, writePst } from './support.js';

const enabled = process.env.CI === 'true' || process.env.PSTREAM_LARGE_TESTS === '1';
const FPMAP_SLOT = 0x7c004800;

test('a file above 2.1 GB: checkPst, pst_fsck.py and pypff, attachment hashes verified', {
  timeout: 60 * 60 * 1000,
}, async (t) => {
  if (!enabled) {
    t.skip('large-file test: set PSTREAM_LARGE_TESTS=1 (or CI=true) to write and read a 2.2 GB PST');
    return;
  }
  if (!(await requireReaders(t, 'fsck', 'pypff'))) return;
  const dir = await tempDir(t);
  const MiB = 1024 * 1024;
  const items: Written[] = [
    {
      folder: ['Big'],
      record: { subject: 'first gigabyte', body: 'one', attachments: [seededAttachment('one.bin', 1000 * MiB, 1)] },
    },
    {
      folder: ['Big'],
      record: {
        subject: 'second gigabyte',
        body: 'two',
        attachments: [
          seededAttachment('two.bin', 1000 * MiB + 8176 * 1021 + 1, 2),
          seededAttachment('small.txt', 5000, 3),
        ],
      },
    },
    {
      folder: ['Big', 'Tail'],
      record: {
        subject: 'past the FPMap',
        body: 'three',
        attachments: [seededAttachment('three.bin', 120 * MiB + 12345, 4)],
      },
    },
  ];
  const started = process.hrtime.bigint();
  const summary = await writePst(dir, 'large.pst', items);
  t.diagnostic(
    `wrote ${summary.bytes} bytes in ${Number(process.hrtime.bigint() - started) / 1e9} s; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
  assert.equal(statSync(summary.path).size, summary.bytes);
  assert.ok(summary.bytes > FPMAP_SLOT + 512, `file of ${summary.bytes} bytes does not cross the first FPMap slot`);
  await assertCheckClean(summary.path);
  const fsck = await runFsck(summary.path);
  assert.equal(fsck.exit, 0, fsck.errors.slice(0, 10).join('; '));
  const pypff = await runPypff(summary.path);
  assert.equal(pypff.ok, true, pypff.errors.join('; '));
  assert.deepEqual(compareWithExpected(pypff, await expectedFolders(items), { exactFolders: true }), []);
});
