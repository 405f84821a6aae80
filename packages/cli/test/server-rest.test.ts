/**
 * The REST surface v4–v8 against a running server with the real engine over a real data directory (the demo .eml
 * tree as `demo/`, a small mbox as `bob.mbox`, and a real PST sample as `sample.pst`): listings, folder and item
 * exports read back with pst-extractor and libpff (pypff), the organization's ZIP, and a cut download resumed
 * with `curl -C -` into a file byte-identical to an uncut one.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { allFolders, folderId, type ItemEntry, listItems } from '@pstream/sources';
import { requireTool, runPypff } from '../../pst/test/support/oracles.js';
import { createPstreamServer, type PstreamServer, releaseServer } from '../src/server/server.js';
import { curl } from './helpers/http-client.js';
import { dataDirectory, readMessages, unzipEntry, unzipTest, zipEntries } from './helpers/real-data.js';
import { SESSION, TOKEN } from './helpers/server-fixture.js';

const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SAMPLE = '/work/shared/reference/samples/tika_testPST.pst';
const execFileAsync = promisify(execFile);

let root: string;
let dataDir: string;
let tmpDir: string;
let server: PstreamServer;
let base: string;
/** Every item of the demo mailbox, as the library lists them. */
let demoItems: ItemEntry[];

const org = (version: string): string => `${base}/${version}/RestoreSessions/${SESSION}/organization`;
const mailbox = (version: string, id: string): string => `${org(version)}/mailboxes/${encodeURIComponent(id)}`;

/** An .eml tree of other item kinds: a calendar (.ics VEVENT), a contacts folder (.vcf) and a task (.ics VTODO). */
async function writeKinds(dir: string): Promise<void> {
  for (const sub of ['Calendar', 'Contacts', 'Tasks']) await execFileAsync('mkdir', ['-p', join(dir, sub)]);
  const ics = (body: string): string =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//pstream test//EN', body, 'END:VCALENDAR', ''].join('\r\n');
  await writeFile(
    join(dir, 'Calendar', 'review.ics'),
    ics(
      [
        'BEGIN:VEVENT',
        'UID:review-1@example.com',
        'DTSTAMP:20240301T090000Z',
        'DTSTART:20240305T100000Z',
        'DTEND:20240305T110000Z',
        'SUMMARY:Design review',
        'LOCATION:Room 4',
        'END:VEVENT',
      ].join('\r\n'),
    ),
  );
  await writeFile(
    join(dir, 'Tasks', 'todo.ics'),
    ics(
      [
        'BEGIN:VTODO',
        'UID:todo-1@example.com',
        'DTSTAMP:20240301T090000Z',
        'DUE:20240310T170000Z',
        'SUMMARY:File the report',
        'END:VTODO',
      ].join('\r\n'),
    ),
  );
  await writeFile(
    join(dir, 'Contacts', 'ann.vcf'),
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Ann Example',
      'N:Example;Ann;;;',
      'EMAIL;TYPE=INTERNET:ann@example.com',
      'END:VCARD',
      '',
    ].join('\r\n'),
  );
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-rest-'));
  dataDir = await dataDirectory(root);
  await copyFile(SAMPLE, join(dataDir, 'sample.pst'));
  await writeKinds(join(dataDir, 'kinds'));
  tmpDir = join(root, 'tmp');
  await execFileAsync('mkdir', [tmpDir]);
  server = createPstreamServer({
    dataDir,
    token: TOKEN,
    tmpDir,
    keptExports: { keepMs: 60_000, maxBytes: 64 * 2 ** 20 },
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  demoItems = [...(await listItems([join(dataDir, 'demo')], { limit: 10_000 })).results];
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await releaseServer(server);
  await rm(root, { recursive: true, force: true });
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: AUTH });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...AUTH, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The messages of a PST as pst-extractor reads them, as sorted `folder|Message-ID` strings. */
async function pstMessages(bytes: Buffer, name: string): Promise<string[]> {
  const path = join(root, name);
  await writeFile(path, bytes);
  // pst-extractor names the folders from the root's child, the IPM subtree ("Top of Personal Folders").
  return (await readMessages(path))
    .map((m) => `${m.folder.replace(/^Top of Personal Folders\/?/, '')}|${m.messageId}`)
    .sort();
}

/** What the library says `items` should read back as, as sorted `folder|Message-ID` strings. */
function expected(items: readonly ItemEntry[]): string[] {
  return items.map((i) => `${i.folder.join('/')}|${i.record?.internetMessageId ?? ''}`).sort();
}

function assertError(status: number, body: Record<string, unknown>, code: string, message?: RegExp): void {
  assert.deepEqual(Object.keys(body), ['message', 'errorCode', 'stackTrace'], JSON.stringify(body));
  assert.equal(body.errorCode, code, `${status} ${JSON.stringify(body)}`);
  assert.equal(body.stackTrace, null);
  if (message) assert.match(String(body.message), message);
}

test('listings: mailboxes, folders (type, parentId, name), items of a folder, paged', async () => {
  const mailboxes = await getJson(`${org('v8')}/mailboxes`);
  assert.equal(mailboxes.status, 200);
  assert.deepEqual(mailboxes.body, {
    offset: 0,
    limit: 100,
    results: [
      { id: 'bob', name: 'bob', email: null },
      { id: 'demo', name: 'demo', email: null },
      { id: 'kinds', name: 'kinds', email: null },
      { id: 'sample', name: 'sample', email: null },
    ],
  });
  const page = await getJson(`${base}/V7/restoresessions/${SESSION}/ORGANIZATION/Mailboxes?offset=1&limit=1`);
  assert.deepEqual(page.body, { offset: 1, limit: 1, results: [{ id: 'demo', name: 'demo', email: null }] });

  const folders = await getJson(`${mailbox('v6', 'demo')}/folders?limit=1000`);
  assert.equal(folders.status, 200);
  const results = folders.body.results as { id: string; name: string; type: string; parentId: string | null }[];
  const library = await allFolders([join(dataDir, 'demo')]);
  assert.deepEqual(
    results.map((f) => f.id),
    library.map((f) => f.id),
  );
  assert.ok(results.every((f) => f.type === 'None'));
  const projects = folderId(['Projects']);
  const falcon = folderId(['Projects', 'Falcon']);
  assert.deepEqual(
    results.find((f) => f.id === falcon),
    { id: falcon, name: 'Falcon', type: 'None', parentId: projects },
  );
  assert.deepEqual(results[0], { id: folderId([]), name: 'demo', type: 'None', parentId: null });
  assert.equal(results.find((f) => f.id === projects)?.parentId, folderId([]));
  const children = await getJson(`${mailbox('v8', 'demo')}/folders?parentId=${projects}`);
  assert.ok((children.body.results as { parentId: string }[]).every((f) => f.parentId === projects));
  const byName = await getJson(`${mailbox('v8', 'demo')}/folders?name=falc`);
  assert.deepEqual(
    (byName.body.results as { id: string }[]).map((f) => f.id),
    [falcon],
  );

  const items = await getJson(`${mailbox('v8', 'demo')}/items?parentId=${falcon}&limit=5&offset=2`);
  assert.equal(items.status, 200);
  const inFalcon = demoItems.filter((i) => i.folderId === falcon);
  const listed = items.body.results as Record<string, unknown>[];
  assert.deepEqual(
    listed.map((i) => i.id),
    inFalcon.slice(2, 7).map((i) => i.id),
  );
  for (const item of listed) {
    assert.equal(item.parentId, falcon);
    assert.equal(item.itemClass, 'IPM.Note');
    assert.equal(typeof item.subject, 'string');
    assert.match(String(item.from), /@/);
    assert.match(String(item.received ?? item.sent), /^\d{4}-\d\d-\d\dT/);
  }

  // A real PST keeps items at its root: they are the top folder's, whose items listing shows them.
  const sampleFolders = await getJson(`${mailbox('v8', 'sample')}/folders`);
  assert.equal(sampleFolders.status, 200);
  assert.equal((sampleFolders.body.results as { id: string }[])[0]!.id, folderId([]));
  const atTop = await getJson(`${mailbox('v8', 'sample')}/items?parentId=${folderId([])}&limit=1000`);
  assert.equal(atTop.status, 200);
  assert.ok((atTop.body.results as unknown[]).length > 0);
});

test('listings of other item kinds: folder types and the appointment, contact and task sections', async () => {
  const folders = await getJson(`${mailbox('v8', 'kinds')}/folders`);
  const types = Object.fromEntries(
    (folders.body.results as { name: string; type: string }[]).map((f) => [f.name, f.type]),
  );
  assert.deepEqual(types, { kinds: 'None', Calendar: 'Appointment', Contacts: 'Contact', Tasks: 'Task' });
  const items = (await getJson(`${mailbox('v8', 'kinds')}/items`)).body.results as Record<string, unknown>[];
  const byClass = Object.fromEntries(items.map((i) => [i.itemClass, i]));
  assert.deepEqual(Object.keys(byClass).sort(), ['IPM.Appointment', 'IPM.Contact', 'IPM.Task']);
  assert.equal(byClass['IPM.Appointment']!.subject, 'Design review');
  const appointment = byClass['IPM.Appointment']!.appointment as Record<string, unknown>;
  assert.equal(appointment.location, 'Room 4');
  assert.equal(new Date(String(appointment.start)).toISOString(), '2024-03-05T10:00:00.000Z');
  assert.equal(byClass['IPM.Appointment']!.parentId, folderId(['Calendar']));
  assert.ok(byClass['IPM.Contact']!.contact !== undefined);
  assert.ok(byClass['IPM.Task']!.task !== undefined);
  assert.equal(byClass['IPM.Note'], undefined);
});

test('listing errors: every shape is {message, errorCode, stackTrace: null}', async () => {
  const cases: [string, number, string, RegExp][] = [
    [`${mailbox('v8', 'demo')}/items?limit=lots`, 400, 'ParameterValidationFailure', /limit.*"lots"/],
    [`${mailbox('v8', 'demo')}/items?limit=5000`, 400, 'ParameterValidationFailure', /limit.*5000/],
    [`${mailbox('v8', 'demo')}/folders?colour=red`, 400, 'ParameterValidationFailure', /colour.*red/],
    [`${mailbox('v8', 'demo')}/items?parentId=${'0'.repeat(32)}`, 404, 'ResourceNotFound', /parentId/],
    [`${mailbox('v8', 'nobody')}/folders`, 404, 'ResourceNotFound', /mailboxId "nobody"/],
    [`${base}/v8/RestoreSessions/not-a-uuid/organization/mailboxes`, 404, 'ResourceNotFound', /restoreSessionId/],
  ];
  for (const [url, status, code, message] of cases) {
    const res = await getJson(url);
    assert.equal(res.status, status, url);
    assertError(res.status, res.body, code, message);
  }
  const unauthorized = await fetch(`${org('v8')}/mailboxes`);
  assert.equal(unauthorized.status, 401);
  assertError(401, (await unauthorized.json()) as Record<string, unknown>, 'Unauthorized');
  const wrongMethod = await fetch(`${org('v8')}/mailboxes`, { method: 'POST', headers: AUTH });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET');
  assertError(405, (await wrongMethod.json()) as Record<string, unknown>, 'MethodNotAllowed');
  const restore = await fetch(`${mailbox('v7', 'demo')}/restoreTo`, { method: 'POST', headers: AUTH, body: '{}' });
  assert.equal(restore.status, 501);
  assertError(501, (await restore.json()) as Record<string, unknown>, 'NotImplemented');
});

test('a folder export holds exactly that folder and its subfolders (pst-extractor, pypff)', async (t) => {
  const projects = folderId(['Projects']);
  const res = await post(`${mailbox('v8', 'demo')}/folders/${projects}/exportToPst`, {
    contentKeyword: '',
    enablePstSizeLimit: false,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="demo.pst"');
  const want = demoItems.filter((i) => i.folder[0] === 'Projects');
  assert.ok(want.length > 0 && want.length < demoItems.length);
  assert.deepEqual(await pstMessages(res.bytes, 'projects.pst'), expected(want));
  if (await requireTool(t, '/usr/bin/python3', 'python3-pypff'))
    assert.deepEqual(await pypffCounts(join(root, 'projects.pst')), countsOf(want));
  // The keyword applies within the folder; the v5 form of the same route.
  const keyword = await post(
    `${base}/v5/RestoreSessions/${SESSION}/Organization/Mailboxes/demo/Folders/${projects}/action`,
    { exporttoPst: { contentKeywords: 'zzzz-nothing-matches' } },
  );
  assert.equal(keyword.status, 200);
  assert.deepEqual(await pstMessages(keyword.bytes, 'nothing.pst'), []);
  const unknown = await post(`${mailbox('v8', 'demo')}/folders/${'f'.repeat(32)}/exportToPst`, {});
  assert.equal(unknown.status, 404);
  assertError(404, JSON.parse(unknown.bytes.toString()) as Record<string, unknown>, 'ResourceNotFound', /folderId/);
});

/** Folder path → message count as libpff (pypff) reads `file`, for the folders holding messages. */
async function pypffCounts(file: string): Promise<Map<string, number>> {
  return new Map((await runPypff(file)).folders.filter((f) => f.messageCount > 0).map((f) => [f.path, f.messageCount]));
}

function countsOf(items: readonly ItemEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.folder.join('/'), (counts.get(item.folder.join('/')) ?? 0) + 1);
  return counts;
}

test('an items export holds exactly the listed items; one item by its own route (v6, v5)', async (t) => {
  const picked = [demoItems[3]!, demoItems[150]!, demoItems[299]!];
  const res = await post(`${mailbox('v6', 'demo')}/items/exportToPst`, {
    items: picked.map((i) => ({ id: i.id })),
    enablePstSizeLimit: false,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await pstMessages(res.bytes, 'items.pst'), expected(picked));
  if (await requireTool(t, '/usr/bin/python3', 'python3-pypff'))
    assert.deepEqual(await pypffCounts(join(root, 'items.pst')), countsOf(picked));

  const one = await post(
    `${base}/v5/RestoreSessions/${SESSION}/Organization/Mailboxes/demo/Items/${picked[1]!.id}/action`,
    { exporttoPst: {} },
  );
  assert.equal(one.status, 200);
  assert.deepEqual(await pstMessages(one.bytes, 'one.pst'), expected([picked[1]!]));
  const v5items = await post(`${base}/v5/RestoreSessions/${SESSION}/Organization/Mailboxes/demo/Items/action`, {
    exporttoPst: { items: [{ id: picked[0]!.id }] },
  });
  assert.equal(v5items.status, 200);
  assert.deepEqual(await pstMessages(v5items.bytes, 'v5items.pst'), expected([picked[0]!]));

  const cases: [string, unknown, number, string, RegExp][] = [
    [
      `${mailbox('v8', 'demo')}/items/exportToPst`,
      { items: [] },
      400,
      'ParameterValidationFailure',
      /items must NOT have fewer than 1 items/,
    ],
    [
      `${mailbox('v8', 'demo')}/items/exportToPst`,
      { items: [{ id: 7 }] },
      400,
      'ParameterValidationFailure',
      /items\[0\]\.id must be string, got 7/,
    ],
    [`${mailbox('v8', 'demo')}/items/exportToPst`, {}, 400, 'ParameterValidationFailure', /items is missing/],
    [
      `${mailbox('v8', 'demo')}/items/exportToPst`,
      { items: [{ id: picked[0]!.id }], contentKeyword: 'x' },
      400,
      'ParameterValidationFailure',
      /takes no keyword/,
    ],
    [
      `${mailbox('v8', 'demo')}/items/exportToPst`,
      { items: [{ id: picked[0]!.id }, { id: 'nope' }] },
      404,
      'ResourceNotFound',
      /items "nope"/,
    ],
    [`${mailbox('v8', 'demo')}/items/${'a'.repeat(32)}/exportToPst`, {}, 404, 'ResourceNotFound', /itemId/],
    [
      `${mailbox('v8', 'demo')}/items/${picked[0]!.id}/exportToPst`,
      { pstSizeLimitBytes: 'big' },
      400,
      'ParameterValidationFailure',
      /pstSizeLimitBytes.*"big"/,
    ],
  ];
  for (const [url, body, status, code, message] of cases) {
    const answer = await post(url, body);
    assert.equal(answer.status, status, JSON.stringify(body));
    assertError(status, JSON.parse(answer.bytes.toString()) as Record<string, unknown>, code, message);
  }
});

test('the organization export is one ZIP of every mailbox under its name', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  const res = await post(`${org('v7')}/exportToPst`, { contentKeyword: '' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="organization.zip"');
  assert.equal(res.headers.get('content-length'), null); // the first download streams as it is written
  const zip = join(root, 'organization.zip');
  await writeFile(zip, res.bytes);
  assert.ok((await unzipTest(zip)).ok);
  assert.deepEqual((await zipEntries(zip)).sort(), ['bob.pst', 'demo.pst', 'kinds.pst', 'sample.pst']);
  await unzipEntry(zip, 'demo.pst', join(root, 'org-demo.pst'));
  assert.deepEqual((await readMessages(join(root, 'org-demo.pst'))).length, demoItems.length);
  // The same request again is answered from the kept file, with its length.
  const again = await post(`${org('v7')}/exportToPst`, { contentKeyword: '' });
  assert.equal(again.headers.get('content-length'), String(res.bytes.length));
  assert.deepEqual(again.bytes, res.bytes);
});

/** Starts a download with node:http and cuts it after `keep` bytes; resolves with them. */
function cutDownload(url: string, body: string, keep: number): Promise<Buffer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
      },
      (res) => {
        assert.equal(res.statusCode, 200);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= keep) {
            req.destroy();
            resolve(Buffer.concat(chunks).subarray(0, keep));
          }
        });
        res.on('end', () => reject(new Error('the download ended before it was cut')));
      },
    );
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end(body);
  });
}

test('v7/v8: a cut download resumed with curl -C - is byte-identical to an uncut one; ranges; 416', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  // curl -C - resumes the download of a request without a body (curl would resume the upload of a body instead):
  // the whole mailbox with the defaults, which an empty body means.
  const url = `${mailbox('v8', 'demo')}/exportToPst`;
  const prefix = await cutDownload(url, '', 50_000);
  const partial = join(root, 'resumed.pst');
  await writeFile(partial, prefix);
  const resumed = await execFileAsync('curl', [
    '-sS',
    '-C',
    '-',
    '-o',
    partial,
    '-w',
    '%{http_code}',
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    url,
  ]);
  assert.equal(resumed.stdout, '206');
  const uncut = await post(url, {});
  assert.equal(uncut.status, 200);
  assert.equal(uncut.headers.get('content-length'), String(uncut.bytes.length));
  assert.equal(uncut.headers.get('accept-ranges'), 'bytes');
  assert.ok(uncut.bytes.length > prefix.length);
  assert.deepEqual(await readFile(partial), uncut.bytes);
  assert.equal((await readMessages(partial)).length, demoItems.length);

  const size = uncut.bytes.length;
  const middle = await post(url, {}, { Range: 'bytes=100-199' });
  assert.equal(middle.status, 206);
  assert.equal(middle.headers.get('content-range'), `bytes 100-199/${size}`);
  assert.deepEqual(middle.bytes, uncut.bytes.subarray(100, 200));
  const tail = await curl(url, ['-X', 'POST', '-H', `Authorization: Bearer ${TOKEN}`, '-r', `${size - 10}-`]);
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.body, uncut.bytes.subarray(size - 10));
  const past = await post(url, {}, { Range: `bytes=${size}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${size}`);
  assertError(416, JSON.parse(past.bytes.toString()) as Record<string, unknown>, 'RangeNotSatisfiable');

  // With a body, the client sends the Range itself (v7, a keyword): a request cut, then resumed while or after the
  // export runs, gives the same bytes as the uncut download.
  const keyword = { contentKeyword: 'support' };
  const v7 = `${mailbox('v7', 'demo')}/exportToPst`;
  const head = await cutDownload(v7, JSON.stringify(keyword), 20_000);
  const rest = await curl(v7, [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '-H',
    `Range: bytes=${head.length}-`,
    '--data-binary',
    JSON.stringify(keyword),
  ]);
  assert.equal(rest.status, 206);
  const whole = await post(v7, keyword);
  assert.deepEqual(Buffer.concat([head, rest.body]), whole.bytes);
  // Another request (another keyword) has nothing kept to resume.
  const other = await post(url, { contentKeyword: 'invoice' }, { Range: 'bytes=10-' });
  assert.equal(other.status, 416);
  assertError(
    416,
    JSON.parse(other.bytes.toString()) as Record<string, unknown>,
    'RangeNotSatisfiable',
    /download it again/,
  );
});

test('the kept exports live in the temporary directory and go at shutdown', async () => {
  const own = createPstreamServer({
    dataDir,
    token: TOKEN,
    tmpDir,
    keptExports: { keepMs: 60_000, maxBytes: 2 ** 30 },
  });
  own.listen(0, '127.0.0.1');
  await once(own, 'listening');
  const ownBase = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
  const before = new Set(await readdir(tmpDir));
  const res = await fetch(`${ownBase}/v8/RestoreSessions/${SESSION}/organization/mailboxes/bob/exportToPst`, {
    method: 'POST',
    headers: AUTH,
    body: '{}',
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const keptDirs = (await readdir(tmpDir)).filter((name) => !before.has(name) && name.startsWith('pstream-kept-'));
  assert.equal(keptDirs.length, 1);
  assert.equal((await readdir(join(tmpDir, keptDirs[0]!))).length, 1);
  own.closeAllConnections();
  await new Promise<void>((resolve) => own.close(() => resolve()));
  await releaseServer(own);
  await assert.rejects(stat(join(tmpDir, keptDirs[0]!)));
});
