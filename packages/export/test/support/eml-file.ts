/** Writes a minimal `.eml` message (plain text, fixed sender and date) for tests that build small `.eml` trees. */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeEml(dir: string, file: string, subject: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const text = [
    'From: Alice <alice@example.com>',
    'To: Bob <bob@example.com>',
    `Subject: ${subject}`,
    'Date: Wed, 01 May 2024 09:00:00 +0000',
    '',
    `Body of ${subject}.`,
    '',
  ];
  await writeFile(join(dir, file), text.join('\r\n'));
}
