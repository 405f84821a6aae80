/**
 * The words of one field of one message, indexed once so that every term of a query is answered without
 * scanning the text again: word ids in text order (with a separator between separate values, so a phrase
 * never spans two recipients), a vocabulary map, and a sorted vocabulary for prefix lookups.
 *
 * Costs, for a field of n words with v distinct words and a term of k words:
 * building O(n) (plus O(v log v) for the sorted vocabulary, built on the first prefix lookup);
 * a one-word term O(1) exact or O(log v) prefix; a phrase O(n + k) with Knuth–Morris–Pratt over word ids.
 * Nothing depends on the query's shape beyond that, so no query can make matching super-linear in the text.
 */

/** Marks the boundary between two separate values of a field. */
const SEPARATOR = -1;

export class WordIndex {
  /** Word ids in text order; SEPARATOR between values. */
  private readonly ids: Int32Array;
  private readonly vocabulary = new Map<string, number>();
  private readonly words: string[] = [];
  private sorted: string[] | undefined;

  /** Builds the index from the folded words of each separate value of the field. */
  constructor(values: Iterable<readonly string[]>) {
    const ids: number[] = [];
    for (const value of values) {
      if (value.length === 0) continue;
      if (ids.length > 0) ids.push(SEPARATOR);
      for (const w of value) {
        let id = this.vocabulary.get(w);
        if (id === undefined) {
          id = this.words.length;
          this.vocabulary.set(w, id);
          this.words.push(w);
        }
        ids.push(id);
      }
    }
    this.ids = Int32Array.from(ids);
  }

  /** Number of words (and separators) in the field. */
  get length(): number {
    return this.ids.length;
  }

  /**
   * Whether the field holds `words` as consecutive words of one value; with `prefix`, the last one only has
   * to start with the given word.
   */
  contains(words: readonly string[], prefix: boolean): boolean {
    const k = words.length;
    if (k === 0 || this.ids.length === 0) return false;
    const last = words[k - 1] as string;
    if (k === 1) return prefix ? this.hasPrefix(last) : this.vocabulary.has(last);
    const exactCount = prefix ? k - 1 : k;
    const pattern = new Int32Array(exactCount);
    for (let j = 0; j < exactCount; j++) {
      const id = this.vocabulary.get(words[j] as string);
      if (id === undefined) return false; // a word that does not occur: no need to scan
      pattern[j] = id;
    }
    if (prefix && !this.hasPrefix(last)) return false;
    const accept = prefix
      ? (end: number): boolean => {
          const next = this.ids[end];
          return next !== undefined && next !== SEPARATOR && (this.words[next] as string).startsWith(last);
        }
      : undefined;
    return findSequence(this.ids, pattern, accept).found;
  }

  /** Whether some word of the field starts with `prefix`: binary search in the sorted vocabulary. */
  private hasPrefix(prefix: string): boolean {
    if (this.vocabulary.has(prefix)) return true;
    this.sorted ??= [...this.words].sort();
    const sorted = this.sorted;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && (sorted[lo] as string).startsWith(prefix);
  }
}

/**
 * Knuth–Morris–Pratt search of `pattern` in `text` (both word ids). `accept(end)` is asked about each
 * occurrence, with the index just after it, and the search stops at the first accepted one (all are
 * accepted without it). Also returns the number of id comparisons made, at most 2·(|text| + |pattern|),
 * which the tests use to check the linear bound.
 */
export function findSequence(
  text: Int32Array,
  pattern: Int32Array,
  accept?: (end: number) => boolean,
): { found: boolean; comparisons: number } {
  const m = pattern.length;
  let comparisons = 0;
  if (m === 0) return { found: accept ? accept(0) : true, comparisons };
  // failure[j]: length of the longest proper border of pattern[0..j].
  const failure = new Int32Array(m);
  for (let j = 1, len = 0; j < m; ) {
    comparisons++;
    if (pattern[j] === pattern[len]) {
      failure[j++] = ++len;
    } else if (len > 0) {
      len = failure[len - 1] as number;
    } else {
      failure[j++] = 0;
    }
  }
  for (let i = 0, j = 0; i < text.length; ) {
    comparisons++;
    if (text[i] === pattern[j]) {
      i++;
      j++;
      if (j === m) {
        if (!accept || accept(i)) return { found: true, comparisons };
        j = failure[j - 1] as number;
      }
    } else if (j > 0) {
      j = failure[j - 1] as number;
    } else {
      i++;
    }
  }
  return { found: false, comparisons };
}
