/**
 * The organization's export (`POST /vN/RestoreSessions/{id}/organization/exportToPst`): one ZIP holding each
 * mailbox's PST parts under the mailbox's name (`<mailbox>.pst`, or `<mailbox>-001.pst`, … when it is split), with
 * the same keyword and part size for all. Mailboxes are exported one after the other into the export's own
 * temporary directory, and each part leaves it as soon as it is in the ZIP.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipPackager } from '@pstream/export';
import type { MimeParsePool } from '@pstream/sources';
import { exportName, type PstreamDeps } from '../deps.js';
import { extractZipEntry, readZipEntries } from '../zip-reader.js';
import type { ExportWarningLike, RunningExport } from './kept-exports.js';
import type { Mailbox } from './mailboxes.js';

/** What the organization's export takes from the request. */
export interface OrganizationJob {
  readonly keywords: string;
  readonly limitBytes: number | undefined;
  readonly warnings: readonly ExportWarningLike[];
  readonly maxPartBytes?: number | undefined;
  readonly tmpDir?: string | undefined;
  /** The server's parsing threads, lent to each mailbox's export. */
  readonly parsePool?: MimeParsePool | undefined;
}

/** The file name of the organization's export. */
export const ORGANIZATION_FILE_NAME = 'organization.zip';

/** Starts the export of every mailbox in `mailboxes` as one ZIP; `signal` stops it, as does destroying its stream. */
export function exportOrganization(
  mailboxes: readonly Mailbox[],
  job: OrganizationJob,
  deps: PstreamDeps,
  signal: AbortSignal,
): RunningExport {
  const packager = new ZipPackager();
  const controller = new AbortController();
  const stop = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  packager.output.on('close', () => {
    if (!packager.output.readableEnded)
      controller.abort(new Error('the output stream was closed before the export ended'));
  });
  const warnings: ExportWarningLike[] = [...job.warnings];
  const summary = (async (): Promise<void> => {
    const dir = await mkdtemp(join(job.tmpDir ?? tmpdir(), 'pstream-organization-'));
    try {
      for (const mailbox of mailboxes) {
        controller.signal.throwIfAborted();
        const name = exportName(mailbox.id);
        const result = await deps.exportToPstFile(
          {
            sources: mailbox.paths,
            name,
            keywords: job.keywords,
            signal: controller.signal,
            tmpDir: dir,
            ...(job.parsePool ? { parsePool: job.parsePool } : {}),
            ...(job.limitBytes !== undefined ? { limitBytes: job.limitBytes } : {}),
            ...(job.maxPartBytes !== undefined ? { maxPartBytes: job.maxPartBytes } : {}),
          },
          join(dir, name),
        );
        for (const warning of result.warnings) if (!job.warnings.includes(warning)) warnings.push(warning);
        if (result.format === 'pst') {
          await packager.addFile(result.path, `${name}.pst`, (await stat(result.path)).size);
        } else {
          for (const entry of await readZipEntries(result.path)) {
            const part = join(dir, `part-${entry.name}`);
            await extractZipEntry(result.path, entry, part);
            await packager.addFile(part, entry.name, entry.uncompressedSize);
            await rm(part, { force: true });
          }
        }
        await rm(result.path, { force: true });
      }
      await packager.finish();
    } catch (error) {
      packager.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return {
    head: Promise.resolve({ fileName: ORGANIZATION_FILE_NAME, warnings }),
    stream: packager.output,
    summary,
    recycle: (chunk) => packager.recycle(chunk),
  };
}
