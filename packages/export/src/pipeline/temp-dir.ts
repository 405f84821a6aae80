/**
 * The export's temporary directory: `pstream-<random>` inside the chosen tmp dir, holding the PST parts (and the
 * sources' spooled attachments) until they are streamed. An `owner` file records the process id and the host name,
 * so that a later export into the same tmp dir removes the directories of processes of this host that died (killed
 * mid-export) instead of leaving them forever. A directory of another host (a tmp dir shared between containers or
 * machines) is left alone: whether its process lives cannot be told from here.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'pstream-';
const OWNER = 'owner';

export async function createExportDirectory(parent = tmpdir()): Promise<string> {
  await removeAbandoned(parent);
  const dir = await mkdtemp(join(parent, PREFIX));
  await writeFile(join(dir, OWNER), `${process.pid}\n${hostname()}\n`);
  return dir;
}

export async function removeExportDirectory(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Removes `pstream-*` directories whose owner process (on this host; an owner file without a host is of this host) is gone. */
export async function removeAbandoned(parent: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(parent, name);
    let pid: number;
    let host: string | undefined;
    try {
      const [pidLine = '', hostLine] = (await readFile(join(dir, OWNER), 'utf8')).split('\n');
      pid = Number.parseInt(pidLine, 10);
      host = hostLine === undefined || hostLine === '' ? undefined : hostLine;
    } catch {
      continue; // not ours, or still being created
    }
    if (host !== undefined && host !== hostname()) continue;
    if (Number.isInteger(pid) && !isProcessAlive(pid)) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

/** Whether a process of this host with that id runs (one we may not signal counts as running). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
