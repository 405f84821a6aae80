/**
 * Rules for ZIP entry names. The packager only stores names the export generates (`mailbox-001.pst`), so
 * anything that could be read as a path, or that Windows cannot create, is refused rather than repaired.
 */
import { ZipError } from '../errors.js';

/** Characters Windows does not allow in file names (besides control characters and `/`, `\`). */
const WINDOWS_RESERVED = '<>:"|?*';
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * Throws a `ZipError` (`invalid-entry`) unless `name` is a plain file name: not empty, at most 255 UTF-8
 * bytes, no `/` or `\`, no `..`, no NUL or other control character, none of `<>:"|?*`, not ending in a dot
 * or a space, not a reserved Windows device name.
 */
export function validateEntryName(name: string): void {
  const bad = (why: string): never => {
    throw new ZipError('invalid-entry', name, `invalid ZIP entry name ${JSON.stringify(name)}: ${why}`);
  };
  if (typeof name !== 'string' || name === '') bad('it is empty');
  if (Buffer.byteLength(name, 'utf8') > 255) bad('it is longer than 255 bytes');
  if (name.includes('/') || name.includes('\\')) bad('it contains a path separator');
  if (name.includes('..')) bad('it contains ".."');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) bad(c === 0 ? 'it contains a NUL character' : 'it contains a control character');
    if (WINDOWS_RESERVED.includes(name[i] as string)) bad(`it contains ${JSON.stringify(name[i])}`);
  }
  if (name.endsWith('.') || name.endsWith(' ')) bad('it ends with a dot or a space');
  if (RESERVED_NAMES.test(name)) bad('it is a reserved Windows device name');
}
