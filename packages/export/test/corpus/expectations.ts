/**
 * The expectation of a whole-corpus round trip, built from what OUR source parser makes of each file (not from
 * what the export wrote): the source is read a second time, each record turned into the oracle harness's
 * {@link ExpectedMessage} by the writer tests' `expectedMessage`, with the attachment bytes hashed as they stream.
 */
import { createHash } from 'node:crypto';
import type { Attachment, MessageRecord } from '@pstream/pst';
import type { MessageSource } from '@pstream/sources';
import type { ExpectedAttachment, ExpectedFolder, ExpectedMessage } from '../../../pst/test/support/oracles.js';
import { expectedMessage, folderKey, stored } from '../../../pst/test/writer/support.js';

/** One source message: where it lives and what the readers must report for it. */
export interface CorpusMessage {
  /** Reader path of its folder ("spam-2", "Inbox/Sub"). */
  readonly folder: string;
  readonly origin: string;
  readonly expected: ExpectedMessage;
  /** The record's PidTagTransportMessageHeaders, which readpst prints instead of the subject and sender. */
  readonly transportHeaders?: string;
}

async function expectedAttachment(a: Attachment): Promise<ExpectedAttachment> {
  if (a.kind === 'message') return { embedded: await expectedRecord(a.message), name: stored(a.name) };
  const h = createHash('sha1');
  let size = 0;
  for await (const chunk of await a.open()) {
    h.update(chunk);
    size += chunk.length;
  }
  if (size !== a.size)
    throw new Error(`attachment ${JSON.stringify(a.name)}: the source announced ${a.size} bytes and gave ${size}`);
  return { name: stored(a.name), size, sha1: h.digest('hex').slice(0, 16) };
}

/** `expectedMessage` with the attachments hashed from their bytes (it only knows the writer tests' seeded ones). */
export async function expectedRecord(r: MessageRecord): Promise<ExpectedMessage> {
  const { attachments, ...rest } = r;
  const e = await expectedMessage(rest);
  e.attachments = [];
  for (const a of attachments ?? []) e.attachments.push(await expectedAttachment(a));
  return e;
}

/** Every message of `source`, in source order, as the readers must report it. */
export async function expectCorpus(source: MessageSource): Promise<CorpusMessage[]> {
  const out: CorpusMessage[] = [];
  try {
    for await (const m of source.messages()) {
      try {
        const transportHeaders =
          m.record.transportHeaders === undefined ? undefined : stored(m.record.transportHeaders);
        out.push({
          folder: folderKey(m.folder),
          origin: m.origin,
          expected: await expectedRecord(m.record),
          ...(transportHeaders === undefined ? {} : { transportHeaders }),
        });
      } finally {
        await m.dispose?.();
      }
    }
  } finally {
    await source.close();
  }
  return out;
}

/** The folders of a file holding `messages`: each one's parents, the IPM root and Deleted Items (which the writer makes). */
export function expectedFolders(
  messages: readonly CorpusMessage[],
  map: (m: CorpusMessage) => ExpectedMessage = (m) => m.expected,
): ExpectedFolder[] {
  const folders = new Map<string, ExpectedMessage[]>([
    ['', []],
    ['Deleted Items', []],
  ]);
  for (const m of messages) {
    const parts = m.folder === '' ? [] : m.folder.split('/');
    for (let i = 1; i <= parts.length; i++)
      if (!folders.has(parts.slice(0, i).join('/'))) folders.set(parts.slice(0, i).join('/'), []);
    folders.get(m.folder)!.push(map(m));
  }
  return [...folders].map(([path, list]) => ({ path, messages: list }));
}
