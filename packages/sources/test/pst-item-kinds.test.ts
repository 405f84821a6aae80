/**
 * The PST source's kind sections (`item-kinds.ts`): a PST written with one item of each kind — an appointment, a
 * contact, a task, a sticky note, a distribution list of one-off members — reads back with the section it was
 * written with, and its folders with their classes, empty ones included. The sample PSTs, which hold appointments
 * and contacts only, are read through the independent readers in packages/export/test/corpus/sample-reexport.test.ts.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type FolderSpec, type MessageRecord, PstWriter } from '@pstream/pst';
import { PstSource } from '../src/pst.js';
import { drain, tempDir } from './helpers.js';

const RECORDS: ReadonlyArray<readonly [string, MessageRecord]> = [
  [
    'Calendar',
    {
      messageClass: 'IPM.Appointment',
      subject: 'Planning',
      appointment: {
        start: new Date('2024-03-05T09:00:00Z'),
        end: new Date('2024-03-05T10:30:00Z'),
        location: 'Room 4',
        busyStatus: 'tentative',
        reminder: { set: true, minutesBefore: 30 },
      },
    },
  ],
  [
    'Contacts',
    {
      messageClass: 'IPM.Contact',
      subject: 'Jane Doe',
      contact: {
        givenName: 'Jane',
        surname: 'Doe',
        displayName: 'Jane Doe',
        fileAs: 'Doe, Jane',
        emails: [{ address: 'jane@example.com', displayName: 'Jane Doe (jane@example.com)' }],
        phones: [
          { kind: 'business', number: '+1 555 0100' },
          { kind: 'mobile', number: '+1 555 0101' },
        ],
        addresses: [
          {
            kind: 'work',
            street: '1 Main St',
            city: 'Springfield',
            postalCode: '12345',
            country: 'USA',
            isMailing: true,
          },
        ],
        company: 'Example Corp',
        jobTitle: 'Engineer',
      },
    },
  ],
  [
    'Tasks',
    {
      messageClass: 'IPM.Task',
      subject: 'Write the report',
      task: {
        status: 'inProgress',
        percentComplete: 40,
        startDate: new Date('2024-03-01T00:00:00Z'),
        dueDate: new Date('2024-03-08T00:00:00Z'),
      },
    },
  ],
  [
    'Notes',
    {
      messageClass: 'IPM.StickyNote',
      subject: 'Remember',
      body: 'Remember the milk',
      note: { color: 'green', width: 200, height: 166, x: 10, y: 20 },
    },
  ],
  [
    'Contacts',
    {
      messageClass: 'IPM.DistList',
      subject: 'Team',
      distributionList: {
        members: [
          { name: 'Jane Doe', address: 'jane@example.com' },
          { name: 'John Roe', address: 'john@example.com' },
        ],
      },
    },
  ],
];

const FOLDERS: readonly FolderSpec[] = [
  { path: ['Calendar'], containerClass: 'IPF.Appointment' },
  { path: ['Contacts'], containerClass: 'IPF.Contact' },
  { path: ['Tasks'], containerClass: 'IPF.Task' },
  { path: ['Notes'], containerClass: 'IPF.StickyNote' },
  { path: ['Journal'], containerClass: 'IPF.Journal' },
];

test('a PST of every item kind reads back with each kind section as written, and every folder with its class', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'kinds.pst');
    const writer = await PstWriter.create(path, { deterministic: true });
    for (const spec of FOLDERS) writer.ensureFolder(spec);
    for (const [folder, record] of RECORDS) await writer.addMessage([folder], record);
    await writer.finish();

    const source = new PstSource(path);
    const folders: FolderSpec[] = [];
    for await (const f of source.folders()) folders.push(f);
    await source.close();
    for (const spec of FOLDERS)
      assert.deepEqual(
        folders.find((f) => f.path.join('/') === spec.path.join('/')),
        spec,
        `folder ${spec.path.join('/')}`,
      );

    const { messages, damaged } = await drain((report) => new PstSource(path, { reportDamaged: report }));
    assert.deepEqual(damaged, []);
    assert.equal(messages.length, RECORDS.length);
    for (const [folder, written] of RECORDS) {
      const read = messages.find((m) => m.record.subject === written.subject)?.record;
      assert.ok(read, `${written.subject} is read`);
      assert.equal(read.messageClass, written.messageClass);
      assert.deepEqual(messages.find((m) => m.record.subject === written.subject)?.folder, [folder]);
      for (const kind of ['appointment', 'contact', 'task', 'note', 'distributionList'] as const) {
        if (written[kind] === undefined) {
          assert.equal(read[kind], undefined, `${written.subject}: no ${kind} section`);
          continue;
        }
        // The writer fills in what the section leaves to its defaults; what was given reads back the same.
        const given = written[kind] as Record<string, unknown>;
        const got = read[kind] as Record<string, unknown> | undefined;
        assert.ok(got, `${written.subject}: a ${kind} section`);
        for (const [field, value] of Object.entries(given))
          assert.deepEqual(got[field], value, `${written.subject}: ${kind}.${field}`);
      }
      assert.ok((read.extraProperties ?? []).length > 0, `${written.subject}: the other properties are carried`);
    }
  } finally {
    await cleanup();
  }
});
