/**
 * `pstream serve` as a process, exactly as the binary runs it (`runAsProcess`), but with the fake
 * exporter. Each export pauses after its first chunk until the process gets SIGUSR2.
 */
import { runAsProcess } from '../../src/main.js';
import { fakeExporter, fakeSources } from './fake-deps.js';

const exporter = fakeExporter({ gated: true, chunks: 8 });
const sources = fakeSources();
process.on('SIGUSR2', () => {
  for (const call of exporter.calls) call.release();
});
await runAsProcess(process.argv.slice(2), {
  exportToPst: exporter.exportToPst,
  openSource: sources.openSource,
});
