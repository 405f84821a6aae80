/**
 * Reading a source so that an export that fails never waits for it: a source stuck in a read (a dead network mount)
 * must not hold the export once it has failed.
 */

/**
 * Iterates `iterable` until `signal` aborts: a pending `next()` is then abandoned (its late result is ignored), the
 * iterator is told to stop through `return()` (not awaited after an abort: it may be stuck), and the abort reason
 * is thrown.
 *
 * One abort listener serves the whole iteration: it fails the step in progress, if any. A step costs one promise;
 * nothing is attached to a long-lived promise (a reaction per message on one would grow with the export).
 */
export async function* untilAborted<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  // Whether the iterator is finished (ended, or its next() threw), so that return() is not due.
  let finished = false;
  let abandon: ((reason: unknown) => void) | undefined;
  const onAbort = (): void => abandon?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
        abandon = reject;
        iterator.next().then(resolve, (error: unknown) => {
          finished = true;
          reject(error);
        });
      });
      abandon = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    abandon = undefined;
    signal.removeEventListener('abort', onAbort);
    // After an abort the source may be stuck: it is not waited for. Otherwise it finishes its cleanup first.
    if (!finished && signal.aborted) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    else if (!finished) await iterator.return?.();
  }
}
