import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailDate } from '../src/mime-headers.js';

test('Date headers: RFC 5322 dates, comments, obsolete two- and three-digit years', () => {
  assert.equal(parseMailDate('Mon, 26 Aug 2002 15:45:14 +0100')?.toISOString(), '2002-08-26T14:45:14.000Z');
  assert.equal(parseMailDate('Mon, 26 Aug 2002 15:45:14 +0100 (BST)')?.toISOString(), '2002-08-26T14:45:14.000Z');
  // As in the SpamAssassin corpus: "0102" is 2002.
  assert.equal(parseMailDate('Tue, 27 Aug 0102 10:00:00 +0000')?.toISOString(), '2002-08-27T10:00:00.000Z');
  assert.equal(parseMailDate('Tue, 27 Aug 102 10:00:00 +0000')?.getUTCFullYear(), 2002);
  assert.equal(parseMailDate('Tue, 27 Aug 99 10:00:00 +0000')?.getUTCFullYear(), 1999);
  assert.equal(parseMailDate('Tue, 27 Aug 02 10:00:00 +0000')?.getUTCFullYear(), 2002);
  assert.equal(parseMailDate('not a date'), undefined);
  assert.equal(parseMailDate(''), undefined);
});
