/**
 * The demo's calendar, contacts and tasks (fixtures/demo/organizer) read as an .eml tree: every item of its kind,
 * its folders of their class, nothing warned about.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EmlTreeSource } from '../src/eml-tree.js';
import type { SourceWarning } from '../src/source.js';
import { drain } from './helpers.js';

const ORGANIZER = fileURLToPath(new URL('../../../fixtures/demo/organizer', import.meta.url));

test('the demo organizer tree: appointments, contacts and tasks in folders of their class', async () => {
  const folders: Array<[string, string | undefined]> = [];
  for await (const f of new EmlTreeSource(ORGANIZER).folders()) folders.push([f.path.join('/'), f.containerClass]);
  assert.deepEqual(folders, [
    ['Calendar', 'IPF.Appointment'],
    ['Contacts', 'IPF.Contact'],
    ['Tasks', 'IPF.Task'],
  ]);
  const warnings: SourceWarning[] = [];
  const { messages, damaged } = await drain(
    (report) => new EmlTreeSource(ORGANIZER, { reportDamaged: report, reportWarning: (w) => warnings.push(w) }),
  );
  assert.deepEqual(damaged, []);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    messages.map((m) => [m.folder.join('/'), m.record.messageClass, m.record.subject]),
    [
      ['Calendar', 'IPM.Appointment', "New Year's Day"],
      ['Calendar', 'IPM.Appointment', 'Christmas holidays'],
      ['Calendar', 'IPM.Appointment', 'Summer party'],
      ['Calendar', 'IPM.Appointment', 'Support rota handover'],
      ['Calendar', 'IPM.Appointment', 'Falcon monthly review'],
      ['Calendar', 'IPM.Appointment', 'Offsite day'],
      ['Contacts', 'IPM.Contact', 'Alice Martin'],
      ['Contacts', 'IPM.Contact', 'Bob Chen'],
      ['Contacts', 'IPM.Contact', '山田 太郎'],
      ['Contacts', 'IPM.Contact', 'Jürgen Müller'],
      ['Tasks', 'IPM.Task', 'Renew the support contract with Northwind'],
      ['Tasks', 'IPM.Task', 'Send the Falcon slides'],
      ['Tasks', 'IPM.Task', 'Book the offsite hotel'],
    ],
  );
  const rota = messages[3]!.record.appointment!;
  // 09:30 in Berlin in January (UTC+1); weekly on Mondays, 20 times, Easter Monday left out.
  assert.equal(rota.start.toISOString(), '2024-01-08T08:30:00.000Z');
  assert.deepEqual(rota.recurrence, {
    frequency: 'weekly',
    interval: 1,
    weekdays: ['MO'],
    firstDayOfWeek: 'MO',
    count: 20,
    deletedOccurrences: [new Date('2024-04-01T07:30:00Z')],
  });
  assert.equal(rota.attendees?.length, 3);
  const summer = messages[2]!.record.appointment!;
  assert.equal(summer.start.toISOString(), '2024-07-04T16:00:00.000Z');
  assert.deepEqual(summer.timeZone, { id: 'Europe/Berlin' });
  const mueller = messages[9]!.record;
  assert.equal(mueller.body, 'Ansprechpartner für Lieferungen.\nBitte vormittags anrufen.');
  assert.deepEqual(mueller.contact?.addresses, [
    {
      kind: 'work',
      street: 'Hafenstraße 12',
      city: 'Bremerhaven',
      postalCode: '27568',
      country: 'Deutschland',
      isMailing: true,
    },
  ]);
  assert.deepEqual(messages[10]!.record.task, {
    status: 'inProgress',
    percentComplete: 50,
    startDate: new Date('2024-01-15T00:00:00Z'),
    dueDate: new Date('2024-02-29T00:00:00Z'),
    reminder: { set: true, minutesBefore: 1440 },
  });
});
