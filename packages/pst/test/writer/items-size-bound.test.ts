/**
 * `fits()` with item kinds: the cheap bound must stay above the truth for what kinds add — named properties and the
 * Name-to-ID map's growth, a meeting's recipient table and display strings, a contact's many strings, carried
 * properties of every size. Each item is asked about one byte below its exact projection (must not fit) and at it
 * (must fit).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MessageRecord, PstWriter } from '@pstream/pst';
import { tempDir } from './support.js';

function text(seed: number, length: number): string {
  let s = '';
  for (let i = 0; s.length < length; i++) s += String.fromCharCode(0x61 + ((seed * 31 + i * 7) % 26));
  return s.slice(0, length);
}

function item(i: number): MessageRecord {
  const len = (k: number): number => 200 + ((i * 977 + k * 331) % 1500);
  switch (i % 4) {
    case 0:
      return {
        messageClass: 'IPM.Appointment',
        subject: text(i, len(1)),
        appointment: {
          start: new Date(Date.UTC(2026, i % 12, 1 + (i % 28), 9)),
          end: new Date(Date.UTC(2026, i % 12, 1 + (i % 28), 10)),
          location: text(i + 1, len(2)),
          timeZone: { id: 'Europe/Berlin' },
          recurrence: {
            frequency: 'weekly',
            weekdays: ['MO', 'TH'],
            count: 1 + (i % 50),
            deletedOccurrences: [new Date(Date.UTC(2026, 0, 1))],
          },
          organizer: { name: text(i + 2, len(3)), address: 'o@example.com' },
          attendees: Array.from({ length: 5 + (i % 40) }, (_, a) => ({
            name: text(i + a, len(4 + a)),
            address: `a${a}@example.com`,
            role: a % 3 === 0 ? 'optional' : 'required',
          })),
          reminder: { set: true, minutesBefore: i },
        },
      };
    case 1:
      return {
        messageClass: 'IPM.Contact',
        subject: '',
        body: text(i, len(1)),
        contact: {
          givenName: text(i + 1, len(2)),
          surname: text(i + 2, len(3)),
          company: text(i + 3, len(4)),
          emails: [
            { address: `${text(i, 60)}@example.com`, displayName: text(i + 4, len(5)) },
            { address: 'b@example.com' },
          ],
          phones: [
            { kind: 'business', number: text(i, 40) },
            { kind: 'mobile', number: text(i + 1, 40) },
          ],
          addresses: (['work', 'home', 'other'] as const).map((kind, k) => ({
            kind,
            street: text(i + k, len(6 + k)),
            city: text(i + k + 1, 300),
            country: 'X',
          })),
          webPage: text(i + 5, len(9)),
        },
      };
    case 2:
      return {
        subject: text(i, len(1)),
        extraProperties: Array.from({ length: 30 + (i % 60) }, (_, k) => ({
          kind: 'named' as const,
          propertySet: '{11111111-2222-3333-4444-555555555555}',
          name: `X-${text(i * 100 + k, 20 + (k % 200))}`,
          value:
            k % 2 === 0
              ? { type: 'String' as const, value: text(k, len(k)) }
              : { type: 'Binary' as const, value: new Uint8Array(len(k) * 2) },
        })),
      };
    default:
      return {
        messageClass: 'IPM.Task',
        subject: text(i, len(1)),
        task: {
          status: 'inProgress',
          percentComplete: i % 100,
          dueDate: new Date(Date.UTC(2026, 5, 1)),
          owner: text(i, len(2)),
          reminder: { set: true },
        },
      };
  }
}

test('fits() with item kinds: never true below the exact projection, always true at it', async (t) => {
  const dir = await tempDir(t);
  const writer = await PstWriter.create(`${dir}/kinds-bound.pst`, { deterministic: true });
  let boundAnswers = 0;
  for (let i = 0; i < 80; i++) {
    const folder = [['Calendar', 'Contacts', 'Inbox', 'Tasks'][i % 4]!];
    const record = item(i);
    const exact = await writer.projectedSizeWith(folder, record);
    assert.equal(await writer.fits(exact - 1, folder, record), false, `item ${i}: fits one byte below its projection`);
    if (await writer.fits(Number.MAX_SAFE_INTEGER, folder, record)) boundAnswers++;
    assert.equal(await writer.fits(exact, folder, record), true, `item ${i}: does not fit at its projection`);
    await writer.addMessage(folder, record);
    assert.equal(writer.projectedSize(), exact);
  }
  assert.ok(boundAnswers > 60, 'the bound path was exercised');
  assert.equal((await writer.finish()).messages, 80);
});
