/**
 * Search of one word, or one word prefix, directly in folded text, without splitting the text into words.
 *
 * `indexOf` finds each occurrence of the word, and the characters on either side of it tell whether the
 * occurrence is a word of the text as `splitWords` splits it: it must start a word, and an exact word must also
 * end there. One neighbour on each side decides almost every occurrence. The exception is an occurrence right
 * after a combining mark, which may belong to the word before it, to a segmented letter's word or start a word
 * itself: there the text is split with the word pattern, from the nearest earlier point that cannot lie inside a
 * word, and the split is remembered for the later occurrences.
 *
 * The answer is the one `WordIndex` gives for a one-word term over the same text. Time is linear in the text
 * length: each occurrence moves the search past the word's length, and the text is split at most once.
 */
import { charClassAt, wordScanner } from './words.js';

const SCANNER = wordScanner();

/** The index of the code point that ends just before index `end` (the start of a surrogate pair, if any). */
function codePointBefore(text: string, end: number): number {
  const c = text.charCodeAt(end - 1);
  if (c >= 0xdc00 && c <= 0xdfff && end >= 2) {
    const h = text.charCodeAt(end - 2);
    if (h >= 0xd800 && h <= 0xdbff) return end - 2;
  }
  return end - 1;
}

function isAsciiSeparator(c: number): boolean {
  return c < 0x80 && !((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a));
}

/** A compiled one-word term: finds the word (or a word starting with it) in folded texts. */
export class WordSearch {
  /** The word is one letter of a segmented script with its marks (CJK, Thai, …). */
  private readonly segmented: boolean;
  /** The word starts with a combining mark (it follows a separator in the term). */
  private readonly startsWithMark: boolean;

  /**
   * @param word one word as `splitWords` returns it from folded text
   * @param prefix whether words that merely start with `word` count
   */
  constructor(
    readonly word: string,
    readonly prefix: boolean,
  ) {
    if (word === '') throw new RangeError('WordSearch: the word must not be empty');
    const first = charClassAt(word, 0);
    if (first === 'separator' || first === 'segmented-mark')
      throw new RangeError(`WordSearch: ${JSON.stringify(word)} is not a word`);
    this.segmented = first === 'segmented-letter';
    this.startsWithMark = first === 'mark';
  }

  /** Whether `text` (folded, see `foldText`) holds the word, or with `prefix` a word that starts with it. */
  foundIn(text: string): boolean {
    const word = this.word;
    const n = word.length;
    this.splitStart = 0;
    this.splitEnd = 0;
    this.steps = 0;
    let from = 0;
    for (;;) {
      const at = text.indexOf(word, from);
      if (at < 0) return false;
      this.steps += n;
      const starts = this.segmented || at === 0 || this.startsAt(text, at);
      if (starts && (this.prefix || this.endsAt(text, at + n))) return true;
      if (starts === undefined) return false; // no word starts at or after `at`
      from = at + n;
    }
  }

  /**
   * The work of the last `foundIn`, for tests of the linear bound: the word's length for each occurrence
   * examined, plus the characters and words gone through to split the text. At most three times the text length
   * plus twice the word's length.
   */
  steps = 0;

  // The last word the scanner found, [splitStart, splitEnd), while searching one text; the text is not split
  // beyond splitEnd. Reset by `foundIn`.
  private splitStart = 0;
  private splitEnd = 0;

  /**
   * Whether a word of the text starts at `at` (not the first character; the word is not segmented, since a
   * segmented letter always starts a word). `undefined` when no word starts at or after `at`.
   */
  private startsAt(text: string, at: number): boolean | undefined {
    const before = charClassAt(text, codePointBefore(text, at));
    if (before === 'separator') return true;
    if (before === 'letter') return false; // inside a run of letters
    if (before === 'segmented-letter') return !this.startsWithMark; // a mark joins the segmented letter's word
    if (this.startsWithMark && before === 'mark') return false; // a plain mark always belongs to a word that goes on
    if (!this.startsWithMark && before === 'segmented-mark') return true; // a segmented mark never joins a run
    // A letter after a plain mark, or a mark after a segmented mark: it depends on the word before.
    if (at >= this.splitEnd) {
      // Split from the last point that is surely not inside a word: after an ASCII separator, or where the
      // previous split ended.
      let s = at;
      while (s > this.splitEnd && !isAsciiSeparator(text.charCodeAt(s - 1))) s--;
      this.steps += at - s;
      SCANNER.lastIndex = s;
      do {
        this.steps++;
        const m = SCANNER.exec(text);
        if (m === null) return undefined;
        this.splitStart = m.index;
        this.splitEnd = SCANNER.lastIndex;
      } while (this.splitEnd <= at);
    }
    return this.splitStart === at;
  }

  /** Whether the word that starts with this one's occurrence ending at `end` ends there too. */
  private endsAt(text: string, end: number): boolean {
    if (end >= text.length) return true;
    const next = charClassAt(text, end);
    // A segmented letter's word takes the marks after it; a run takes letters and (unsegmented) marks.
    return this.segmented ? next !== 'mark' && next !== 'segmented-mark' : next !== 'letter' && next !== 'mark';
  }
}
