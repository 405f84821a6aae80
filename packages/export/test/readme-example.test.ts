/**
 * The README's "Embedding in a node:http server" example is run as written: it must serve a real export.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkPst } from '@pstream/pst';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('### Embedding in a `node:http` server')[1];
  assert.ok(section, 'the README has the embedding section');
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'the section has a ts code block');
  return code;
}

test('the README embedding example serves the exportToPst action', async () => {
  const code = readmeSnippet();
  assert.ok(code.split('\n').filter((l) => l.trim()).length <= 20, 'the example stays about a dozen lines');
  const work = mkdtempSync(join(tmpdir(), 'pstream-readme-'));
  const script = join(here, `.readme-example-${process.pid}.ts`);
  try {
    mkdirSync(join(work, 'mail'));
    symlinkSync(join(root, 'fixtures', 'demo', 'mailbox'), join(work, 'mail', 'alice'));
    writeFileSync(script, code);
    const port = 20000 + (process.pid % 20000);
    const child = spawn(process.execPath, ['--conditions=source', '--import', import.meta.resolve('tsx'), script], {
      cwd: work,
      env: { ...process.env, PORT: String(port), TMPDIR: work },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      let response: Response | undefined;
      for (let i = 0; i < 100 && !response; i++) {
        response = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          body: JSON.stringify({
            exportToPst: { contentKeywords: 'support', EnablePstSizeLimit: 'true', PstSizeLimitBytes: 1073741824 },
          }),
        }).catch(async () => {
          await new Promise((r) => setTimeout(r, 100));
          return undefined;
        });
      }
      assert.ok(response, 'the example server answered');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-disposition'), 'attachment; filename="alice.pst"');
      const pst = join(work, 'alice.pst');
      writeFileSync(pst, Buffer.from(await response.arrayBuffer()));
      const report = await checkPst(pst, { strict: true });
      assert.deepEqual(report.errors, []);
      const bad = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: '{"exportToPst": {"EnablePstSizeLimit": true}}',
      });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, /PstSizeLimitBytes/);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  } finally {
    rmSync(script, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
