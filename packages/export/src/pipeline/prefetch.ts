/**
 * One item of read-ahead between two stages: while the consumer works on an item, the next one is being made (the
 * export writes the next part while the previous one streams out). The producer then waits: it is asked for an item
 * only once the consumer has taken the one before, so at most one finished item waits besides the one in use.
 */

/**
 * The items of `iterable`, each next one asked for as soon as the previous one is handed out. A failure of the
 * producer goes to `onError` at once, not only when the consumer gets to it (the consumer may not be pulling).
 * Stopped early, it lets the step in flight end, then tells the producer to stop.
 */
export async function* prefetched<T>(iterable: AsyncIterable<T>, onError: (error: unknown) => void): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  const next = (): Promise<IteratorResult<T>> => {
    const step = iterator.next();
    step.catch(onError);
    return step;
  };
  let ahead = next();
  try {
    for (;;) {
      const result = await ahead;
      if (result.done) return;
      ahead = next();
      yield result.value;
    }
  } finally {
    const last = await ahead.catch(() => undefined);
    if (last !== undefined && !last.done) await iterator.return?.();
  }
}
