/** A running server over a temporary data directory, with the fake exporter. */

import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPstreamServer,
  type PstreamServer,
  type PstreamServerOptions,
  releaseServer,
} from '../../src/server/server.js';
import { type FakeExporterOptions, fakeExporter, fakeSources } from './fake-deps.js';

export const TOKEN = 's3cret-token';
export const SESSION = '6a6bd9a4-2b4f-4f6e-9d1c-3c1f3a6e2d10';

export interface ServerFixture {
  readonly server: PstreamServer;
  readonly base: string;
  readonly root: string;
  readonly dataDir: string;
  readonly exporter: ReturnType<typeof fakeExporter>;
  readonly sources: ReturnType<typeof fakeSources>;
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * DIR holds `alice.mbox`, `bob.pst`, `carol/` (an .eml tree), `.hidden.mbox` and `notes.txt`; next to DIR
 * is `outside.mbox`, which no request may reach.
 */
export async function startServer(
  settings: FakeExporterOptions = {},
  serverOptions: Partial<PstreamServerOptions> = {},
): Promise<ServerFixture> {
  const root = await mkdtemp(join(tmpdir(), 'pstream-cli-server-'));
  const dataDir = join(root, 'data');
  await mkdir(join(dataDir, 'carol'), { recursive: true });
  await writeFile(join(dataDir, 'alice.mbox'), 'From a\n\n');
  await writeFile(join(dataDir, 'bob.pst'), 'not really a pst');
  await writeFile(join(dataDir, '.hidden.mbox'), 'From h\n\n');
  await writeFile(join(dataDir, 'notes.txt'), 'not a mailbox');
  await writeFile(join(root, 'outside.mbox'), 'From o\n\n');
  const exporter = fakeExporter(settings);
  const sources = fakeSources();
  const logs: string[] = [];
  const server = createPstreamServer({
    dataDir,
    token: TOKEN,
    deps: { exportToPst: exporter.exportToPst, openSource: sources.openSource },
    log: (line) => logs.push(line),
    ...serverOptions,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    root,
    dataDir,
    exporter,
    sources,
    logs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await releaseServer(server);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function v4Path(mailbox: string, session = SESSION): string {
  return `/v4/RestoreSessions/${session}/Organization/Mailboxes/${mailbox}/Action`;
}

export function v6Path(mailbox: string, action = 'exportToPst', session = SESSION): string {
  return `/v6/RestoreSessions/${session}/organization/mailboxes/${mailbox}/${action}`;
}
