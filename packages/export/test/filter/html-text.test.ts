import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HtmlTextExtractor, htmlToText } from '../../src/filter/html-text.js';
import { runs, SEED } from '../fuzz/runs.js';

/** Collapses whitespace so that assertions do not depend on where separators fall. */
function squash(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

test('markup, attributes, comments, scripts and styles are not text', () => {
  const html =
    '<!DOCTYPE html><html><head><title>Ticket title</title><meta name="keywords" content="hidden-meta">' +
    '<style type="text/css">p.support { color: red }</style><script>var support = "<b>x</b>";</script></head>' +
    '<body class="support"><p>Hello <a href="https://support.example.com/?q=ticket" title="tip">our desk</a></p>' +
    '<!-- support comment with <b>tags</b> --><img alt="logo-support" src="cid:x"><?xml nonsense?>' +
    '<![CDATA[cdata]]><p>Bye</p></body></html>';
  assert.equal(squash(htmlToText(html)), 'Hello our desk Bye');
});

test('character references are decoded, including legacy forms and the Windows-1252 range', () => {
  assert.equal(htmlToText('caf&eacute; &amp; cr&egrave;me'), 'café & crème');
  assert.equal(htmlToText('&#115;upport &#x53;UPPORT &#X73;'), 'support SUPPORT s');
  assert.equal(htmlToText('it&#146;s &#150; &euro;5'), 'it\u2019s \u2013 \u20ac5');
  assert.equal(
    htmlToText('&copy2024 &amp and &notit; AT&T &unknown; &#0; &#xD800; &#;'),
    '\u00a92024 & and \u00acit; AT&T &unknown; \uFFFD \uFFFD &#;',
  );
  assert.equal(htmlToText('&Sigma;&sigma;&sigmaf; &Omega;'), '\u03a3\u03c3\u03c2 \u03a9');
  assert.equal(htmlToText('a < b > c'), 'a < b > c');
  assert.equal(htmlToText('trailing &amp'), 'trailing &');
});

test('inline tags keep a word together, block tags and <br> separate words', () => {
  assert.equal(squash(htmlToText('sup<b>po</b><span style="x">rt</span>')), 'support');
  assert.equal(squash(htmlToText('<table><tr><td>sup</td><td>port</td></tr></table>')), 'sup port');
  assert.equal(squash(htmlToText('line<br>break<br/>here<div>block</div>')), 'line break here block');
  assert.equal(squash(htmlToText('Word<o:p></o:p>s')), 'Words');
});

test('comment edge cases and raw-text end tags', () => {
  assert.equal(squash(htmlToText('a<!-->b<!--->c<!---->d<!-- x -- y -->e')), 'a b c d e');
  assert.equal(squash(htmlToText('<script>if (a </b) x = "</scripty>";</SCRIPT >after')), 'after');
  assert.equal(squash(htmlToText('<style>a{}</style\n>after <style>x</style')), 'after');
  assert.equal(squash(htmlToText('<p title="a>b">text</p>')), 'text');
  assert.equal(squash(htmlToText("<p title='a>b' data=x>text</p>")), 'text');
});

test('feeding the document in pieces of any size gives the same text', () => {
  const html =
    '<html><head><style>.x{}</style><script>document.write("</p>support")</script></head><body>' +
    '<p>Caf&eacute; &#8364;10 &notit; sup<b>port</b> &amp &lt;tag&gt;</p><!-- <p>no</p> --><td>a</td>b' +
    '<a href="http://example.com/?a=1&amp;b=2">link</a> \u6771\u4eac &#x1F600; end &cop';
  const whole = htmlToText(html);
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (const mode of ['one', 'random'] as const) {
    for (let round = 0; round < (mode === 'one' ? 1 : 20); round++) {
      const out: string[] = [];
      const x = new HtmlTextExtractor((t) => out.push(t));
      for (let i = 0; i < html.length; ) {
        const n = mode === 'one' ? 1 : 1 + Math.floor(random() * 12);
        x.write(html.slice(i, i + n));
        i += n;
      }
      x.end();
      assert.equal(out.join(''), whole, `${mode} round ${round}`);
    }
  }
  assert.ok(whole.includes('Café €10 ¬it; support & <tag>'), whole);
  assert.ok(!whole.includes('example.com'), whole);
  assert.ok(whole.endsWith('end &cop'), whole);
});

test('a megabyte of pathological markup is processed in one pass', () => {
  // Unclosed constructs that would make a backtracking regex explode.
  const pieces = ['<a b="', '&#', '<!--', '<script>', '&amp'.repeat(3)];
  for (const p of pieces) {
    const html = `start ${p.repeat(Math.ceil((1 << 20) / p.length))}`;
    const text = htmlToText(html);
    assert.ok(text.startsWith('start'), p);
  }
});

test('random markup fed in random pieces gives the same text as in one piece', () => {
  // The extractor skips runs of text and attribute values in bulk; a piece may end anywhere inside them.
  const unit = fc.constantFrom(
    '<',
    '>',
    '&',
    ';',
    '#',
    '"',
    "'",
    '=',
    ' ',
    '/',
    '!',
    '-',
    '?',
    'a',
    'B',
    'p',
    'é',
    '東',
    'amp',
    'title',
    '<b>',
    '</b>',
    '<br>',
    '<p class="a>b">',
    "<a href='x\"y'>",
    '<!--',
    '-->',
    '<script>',
    '</script>',
    '<SCRIPT>',
    '&#233;',
    '&eacute',
    '\n',
  );
  const doc = fc.array(unit, { maxLength: 40 }).map((a) => a.join(''));
  fc.assert(
    fc.property(doc, fc.array(fc.nat(), { maxLength: 6 }), (html, cuts) => {
      const parts: string[] = [];
      const x = new HtmlTextExtractor((t) => parts.push(t));
      let last = 0;
      for (const c of cuts.map((c) => c % (html.length + 1)).sort((a, b) => a - b)) {
        x.write(html.slice(last, c));
        last = c;
      }
      x.write(html.slice(last));
      x.end();
      assert.equal(parts.join(''), htmlToText(html), JSON.stringify(html));
    }),
    { numRuns: runs(50_000), seed: SEED },
  );
});

test('attribute values and text runs are skipped without losing what follows them', () => {
  assert.equal(htmlToText(`<p title="a > b" data-x='<b>support</b>'>vis<i>ible</i></p>`), ' visible ');
  assert.equal(htmlToText('<p title="never closed>support'), '');
  assert.equal(htmlToText('<DIV Class="x">A&amp;B</DIV>'), ' A&B ');
});
