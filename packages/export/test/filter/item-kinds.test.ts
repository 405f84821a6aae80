/**
 * The keyword filter over appointments, contacts, tasks and distribution lists: their own fields are searched
 * through the query's fields (see record-text.ts).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageRecord } from '@pstream/pst';
import { compileQuery } from '../../src/filter/keyword-query.js';

const meeting: MessageRecord = {
  messageClass: 'IPM.Appointment',
  subject: 'Quarterly review',
  body: 'Agenda attached',
  appointment: {
    start: new Date('2024-03-01T09:00:00Z'),
    end: new Date('2024-03-01T10:00:00Z'),
    location: 'Harbour Room',
    organizer: { name: 'Olga Organizer', address: 'olga@example.com' },
    attendees: [
      { name: 'Rita Required', address: 'rita@example.com' },
      { name: 'Otto Optional', address: 'otto@example.com', role: 'optional' },
      { name: 'Projector', address: 'projector@example.com', role: 'resource' },
    ],
  },
};

const contact: MessageRecord = {
  messageClass: 'IPM.Contact',
  subject: 'Jürgen Müller',
  body: 'Met at the trade fair',
  contact: {
    givenName: 'Jürgen',
    surname: 'Müller',
    displayName: 'Jürgen Müller',
    company: 'Globex Logistics',
    jobTitle: 'Dispatcher',
    emails: [{ address: 'j.mueller@globex.example' }],
    phones: [{ kind: 'mobile', number: '+49 170 5550100' }],
    addresses: [
      { kind: 'work', street: 'Hafenstraße 12', city: 'Bremerhaven', postalCode: '27568', country: 'Germany' },
    ],
  },
};

const task: MessageRecord = {
  messageClass: 'IPM.Task',
  subject: 'Renew licence',
  task: { owner: 'Tina Taskowner', status: 'inProgress' },
};
const list: MessageRecord = {
  messageClass: 'IPM.DistList',
  subject: 'Team',
  distributionList: { members: [{ name: 'Mia Member', address: 'mia@example.com' }] },
};

async function selected(query: string): Promise<string[]> {
  const q = compileQuery(query);
  const out: string[] = [];
  for (const r of [meeting, contact, task, list]) if (await q.matches(r)) out.push(r.subject);
  return out;
}

test('appointments: location in the text, organizer as from, attendees as to/cc/bcc by role', async () => {
  assert.deepEqual(await selected('harbour'), ['Quarterly review']);
  assert.deepEqual(await selected('from:olga'), ['Quarterly review']);
  assert.deepEqual(await selected('to:rita'), ['Quarterly review']);
  assert.deepEqual(await selected('to:otto'), []);
  assert.deepEqual(await selected('cc:otto'), ['Quarterly review']);
  assert.deepEqual(await selected('bcc:projector'), ['Quarterly review']);
  assert.deepEqual(await selected('participants:otto@example.com'), ['Quarterly review']);
});

test('contacts: names, e-mail addresses, postal addresses, company, title and notes; tasks: owner; lists: members', async () => {
  assert.deepEqual(await selected('mueller'), ['Jürgen Müller'], 'the address j.mueller@…');
  assert.deepEqual(await selected('müller'), ['Jürgen Müller']);
  assert.deepEqual(await selected('globex'), ['Jürgen Müller']);
  assert.deepEqual(await selected('bremerhaven'), ['Jürgen Müller']);
  assert.deepEqual(await selected('"hafenstraße 12"'), ['Jürgen Müller']);
  assert.deepEqual(await selected('dispatcher'), ['Jürgen Müller']);
  assert.deepEqual(await selected('body:"trade fair"'), ['Jürgen Müller']);
  assert.deepEqual(await selected('taskowner'), ['Renew licence']);
  assert.deepEqual(await selected('mia@example.com'), ['Team']);
  assert.deepEqual(await selected('nowhere'), []);
});
