/**
 * HTML character references: the named entities that occur in mail (all of Latin-1, the HTML 4 specials,
 * Greek, common symbols) and the numeric-reference rules of HTML5, including its Windows-1252 remapping of
 * 0x80–0x9F (Outlook writes `&#146;` for an apostrophe).
 */

/** Latin-1 entity names for U+00A0..U+00FF, in code point order. */
const LATIN1 = (
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute ' +
  'micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig ' +
  'Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash ' +
  'Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc ' +
  'euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml ' +
  'yacute thorn yuml'
).split(' ');

/** Greek letter names from U+0391 (capitals; U+03A2 is unassigned) and U+03B1 (small, with final sigma). */
const GREEK =
  'Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho - Sigma Tau Upsilon Phi Chi Psi Omega'.split(
    ' ',
  );
const GREEK_SMALL =
  'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi omega'.split(
    ' ',
  );

const OTHERS: ReadonlyArray<readonly [string, number]> = [
  ['quot', 0x22],
  ['amp', 0x26],
  ['apos', 0x27],
  ['lt', 0x3c],
  ['gt', 0x3e],
  ['QUOT', 0x22],
  ['AMP', 0x26],
  ['LT', 0x3c],
  ['GT', 0x3e],
  ['COPY', 0xa9],
  ['REG', 0xae],
  ['OElig', 0x152],
  ['oelig', 0x153],
  ['Scaron', 0x160],
  ['scaron', 0x161],
  ['Yuml', 0x178],
  ['fnof', 0x192],
  ['circ', 0x2c6],
  ['tilde', 0x2dc],
  ['ensp', 0x2002],
  ['emsp', 0x2003],
  ['thinsp', 0x2009],
  ['zwnj', 0x200c],
  ['zwj', 0x200d],
  ['lrm', 0x200e],
  ['rlm', 0x200f],
  ['ndash', 0x2013],
  ['mdash', 0x2014],
  ['lsquo', 0x2018],
  ['rsquo', 0x2019],
  ['sbquo', 0x201a],
  ['ldquo', 0x201c],
  ['rdquo', 0x201d],
  ['bdquo', 0x201e],
  ['dagger', 0x2020],
  ['Dagger', 0x2021],
  ['bull', 0x2022],
  ['hellip', 0x2026],
  ['permil', 0x2030],
  ['prime', 0x2032],
  ['Prime', 0x2033],
  ['lsaquo', 0x2039],
  ['rsaquo', 0x203a],
  ['oline', 0x203e],
  ['frasl', 0x2044],
  ['euro', 0x20ac],
  ['trade', 0x2122],
  ['larr', 0x2190],
  ['uarr', 0x2191],
  ['rarr', 0x2192],
  ['darr', 0x2193],
  ['harr', 0x2194],
  ['minus', 0x2212],
  ['le', 0x2264],
  ['ge', 0x2265],
  ['ne', 0x2260],
  ['infin', 0x221e],
  ['asymp', 0x2248],
  ['loz', 0x25ca],
  ['spades', 0x2660],
  ['clubs', 0x2663],
  ['hearts', 0x2665],
  ['diams', 0x2666],
  ['check', 0x2713],
  ['Tab', 0x09],
  ['NewLine', 0x0a],
  ['nbsp', 0xa0],
];

function buildTable(): { all: Map<string, string>; legacy: Set<string> } {
  const all = new Map<string, string>();
  const legacy = new Set<string>();
  LATIN1.forEach((name, i) => {
    all.set(name, String.fromCodePoint(0xa0 + i));
    legacy.add(name);
  });
  GREEK.forEach((name, i) => {
    if (name !== '-') all.set(name, String.fromCodePoint(0x391 + i));
  });
  GREEK_SMALL.forEach((name, i) => {
    all.set(name, String.fromCodePoint(0x3b1 + i));
  });
  for (const [name, cp] of OTHERS) all.set(name, String.fromCodePoint(cp));
  for (const name of ['amp', 'lt', 'gt', 'quot', 'AMP', 'LT', 'GT', 'QUOT', 'COPY', 'REG']) legacy.add(name);
  return { all, legacy };
}

const TABLE = buildTable();

/** The longest entity name we look up; longer runs after `&` are plain text. */
export const MAX_ENTITY_NAME = 32;

/**
 * Decodes `name` (the characters between `&` and `;` or the first other character) of a named reference.
 * With `terminated`, the whole name must be known; otherwise only the legacy names that HTML allows without a
 * semicolon are recognised, as the longest prefix of `name`. Returns the replacement and how many characters
 * of `name` it consumed, or undefined when `name` is not a reference (it is then plain text).
 */
export function decodeNamedReference(name: string, terminated: boolean): { text: string; used: number } | undefined {
  if (terminated) {
    const text = TABLE.all.get(name);
    if (text !== undefined) return { text, used: name.length };
  }
  for (let len = Math.min(name.length, 6); len >= 2; len--) {
    const prefix = name.slice(0, len);
    if (TABLE.legacy.has(prefix)) return { text: TABLE.all.get(prefix) as string, used: len };
  }
  return undefined;
}

/** Windows-1252 characters that HTML5 substitutes for numeric references 0x80..0x9F. */
const C1_REMAP: Readonly<Record<number, number>> = {
  0x80: 0x20ac,
  0x82: 0x201a,
  0x83: 0x0192,
  0x84: 0x201e,
  0x85: 0x2026,
  0x86: 0x2020,
  0x87: 0x2021,
  0x88: 0x02c6,
  0x89: 0x2030,
  0x8a: 0x0160,
  0x8b: 0x2039,
  0x8c: 0x0152,
  0x8e: 0x017d,
  0x91: 0x2018,
  0x92: 0x2019,
  0x93: 0x201c,
  0x94: 0x201d,
  0x95: 0x2022,
  0x96: 0x2013,
  0x97: 0x2014,
  0x98: 0x02dc,
  0x99: 0x2122,
  0x9a: 0x0161,
  0x9b: 0x203a,
  0x9c: 0x0153,
  0x9e: 0x017e,
  0x9f: 0x0178,
};

/** The character of a numeric reference `&#n;`; invalid code points become U+FFFD as in HTML5. */
export function decodeNumericReference(codePoint: number): string {
  if (
    !Number.isFinite(codePoint) ||
    codePoint === 0 ||
    codePoint > 0x10ffff ||
    (codePoint >= 0xd800 && codePoint <= 0xdfff)
  ) {
    return '\uFFFD';
  }
  const remapped = C1_REMAP[codePoint];
  return String.fromCodePoint(remapped ?? codePoint);
}
