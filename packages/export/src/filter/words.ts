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
const WORD_PATTERN = new RegExp(
  String.raw`(?=[\p{L}\p{N}])[${SEGMENTED}]\p{M}*|(?:(?![${SEGMENTED}])[\p{L}\p{N}\p{M}])+`,
  'gu',
);

/** Splits already folded text (see `foldText`) into words, in order. Runs in time linear in the text length. */
export function splitWords(folded: string): string[] {
  return folded.match(WORD_PATTERN) ?? [];
}

