/**
 * Opens the right message source for a path: a directory is an `.eml` tree, `.mbox`/`.mbx` (or a file whose
 * first line is an mbox envelope line) an mbox, `.pst`/`.ost` (or a file starting with `!BDN`) a PST, and
 * `.msg` (or a compound file) a single Outlook message.
 */
import { open as openFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { type EmlTreeOptions, EmlTreeSource } from './eml-tree.js';
import { reasonOf, SourceError } from './errors.js';
import { type MboxOptions, MboxSource } from './mbox.js';
import { parseEnvelopeLine } from './mime-message.js';
import { type MsgOptions, MsgSource } from './msg.js';
import { checkPstHeader, type PstOptions, PstSource } from './pst.js';
import type { MessageSource, SourceKind } from './source.js';

/** Options of every kind of source, plus `kind` to skip detection. */
export interface OpenSourceOptions extends EmlTreeOptions, MboxOptions, PstOptions, MsgOptions {
  /** Read the path as this kind instead of detecting it. */
  readonly kind?: SourceKind;
}

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** What the first bytes of a file say it is, if anything. */
async function sniff(path: string): Promise<SourceKind | undefined> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.subarray(0, 4).toString('latin1') === '!BDN') return 'pst';
    if (head.subarray(0, 8).equals(CFB_MAGIC)) return 'msg';
    const firstLine = head.toString('latin1').split('\n')[0] ?? '';
    if (parseEnvelopeLine(firstLine)?.date !== undefined) return 'mbox';
    return undefined;
  } finally {
    await fh.close();
  }
}

/** Detects what `path` is and opens it; throws a `SourceError` naming the path and the reason otherwise. */
export async function openSource(path: string, options: OpenSourceOptions = {}): Promise<MessageSource> {
  const full = resolve(path);
  const info = await stat(full).catch((e: unknown) => {
    throw new SourceError('source-not-found', full, `cannot read the path: ${reasonOf(e)}`, { cause: e });
  });
  let kind = options.kind;
  if (kind === undefined) {
    if (info.isDirectory()) kind = 'eml';
    else if (!info.isFile())
      throw new SourceError('unsupported-source', full, 'neither a directory nor a regular file');
    else {
      const ext = extname(full).toLowerCase();
      if (ext === '.mbox' || ext === '.mbx') kind = 'mbox';
      else if (ext === '.pst' || ext === '.ost') kind = 'pst';
      else if (ext === '.msg') kind = 'msg';
      else kind = await sniff(full);
    }
  }
  switch (kind) {
    case 'eml':
      if (!info.isDirectory())
        throw new SourceError('unsupported-source', full, 'an .eml source must be a directory of .eml files');
      return new EmlTreeSource(full, options);
    case 'mbox':
      return new MboxSource(full, options);
    case 'pst':
      await checkPstHeader(full);
      return new PstSource(full, options);
    case 'msg':
      return new MsgSource(full, options);
    case undefined:
      throw new SourceError(
        'unsupported-source',
        full,
        'unknown kind of mailbox: expected a directory of .eml files, an mbox (.mbox, .mbx), a PST (.pst, .ost) or an Outlook message (.msg)',
      );
  }
}
