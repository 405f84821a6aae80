/**
 * Word splitting for keyword matching.
 *
 * A word is a run of Unicode letters, digits and combining marks (`\p{L}\p{N}\p{M}`); everything else
 * (spaces, punctuation, symbols, `@`, `.`) separates words. Scripts written without spaces between words
 * (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) are split into one word per character (with its
 * combining marks), so that a term in those scripts matches as a substring of the text: `東京` is the word
 * sequence `東 京` and is found inside `東京都庁`. Hangul is written with spaces and is split like Latin text.
 */

const SEGMENTED = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}\u30FC`;

/** One character of a segmented script with its marks, or a run of other word characters. Fixed pattern. */
const WORD_SOURCE = String.raw`(?=[\p{L}\p{N}])[${SEGMENTED}]\p{M}*|(?:(?![${SEGMENTED}])[\p{L}\p{N}\p{M}])+`;
const WORD_PATTERN = new RegExp(WORD_SOURCE, 'gu');

/** Splits already folded text (see `foldText`) into words, in order. Runs in time linear in the text length. */
export function splitWords(folded: string): string[] {
  return folded.match(WORD_PATTERN) ?? [];
}

/**
 * A new global regular expression that matches the words of `splitWords` one at a time. Searching it from any
 * position that is not strictly inside a word gives the same words as `splitWords` from there on.
 */
export function wordScanner(): RegExp {
  return new RegExp(WORD_SOURCE, 'gu');
}

/** How a code point takes part in words; see `charClassAt`. */
export type CharClass = 'separator' | 'letter' | 'mark' | 'segmented-letter' | 'segmented-mark';

const LETTER = /[\p{L}\p{N}]/uy;
const MARK = /\p{M}/uy;
const SEGMENTED_CHAR = new RegExp(`[${SEGMENTED}]`, 'uy');

/**
 * The class of the code point at index `i` of `text` (which must not be the second half of a surrogate pair):
 * a letter or digit (`\p{L}\p{N}`) or a mark (`\p{M}`), each either of a segmented script or not, or a
 * separator (everything else). A segmented letter always starts a word of its own, with the marks that follow
 * it; other letters, digits and marks form runs; a segmented mark that follows no segmented letter separates.
 */
export function charClassAt(text: string, i: number): CharClass {
  const c = text.charCodeAt(i);
  if (c < 0x80)
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ? 'letter' : 'separator';
  LETTER.lastIndex = i;
  if (LETTER.test(text)) {
    SEGMENTED_CHAR.lastIndex = i;
    return SEGMENTED_CHAR.test(text) ? 'segmented-letter' : 'letter';
  }
  MARK.lastIndex = i;
  if (MARK.test(text)) {
    SEGMENTED_CHAR.lastIndex = i;
    return SEGMENTED_CHAR.test(text) ? 'segmented-mark' : 'mark';
  }
  return 'separator';
}
