/**
 * Text normalisation for matching: Unicode NFKC, then full case folding.
 *
 * NFKC makes compatibility forms equal to their plain letters (full-width `ｓｕｐｐｏｒｔ`, ligatures `ﬁ`,
 * superscripts). Case folding goes through upper case and back to lower case, which folds the characters whose
 * folding expands (`ß` → `ss`, `ŉ` → `ʼn`); the Greek final sigma `ς` is folded to `σ` as in Unicode's
 * CaseFolding. The same function is applied to the query and to the text, so both sides agree.
 */

const FINAL_SIGMA = /\u03C2/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Returns `text` in the normalised, case-folded form in which terms and text are compared. */
export function foldText(text: string): string {
  if (text === '') return text;
  // ASCII is its own NFKC form, and folding it is lower-casing it.
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  const folded = text.normalize('NFKC').toUpperCase().toLowerCase();
  return folded.includes('\u03C2') ? folded.replace(FINAL_SIGMA, '\u03C3') : folded;
}
