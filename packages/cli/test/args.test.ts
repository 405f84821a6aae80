import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../src/args.js';
import { UsageError } from '../src/errors.js';

const SPECS = {
  source: { type: 'string', multiple: true },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a UsageError');
}

test('reads values, repeated options, flags, = values and positionals', () => {
  const args = parseArgs(
    ['--source', 'a.mbox', 'pos', '--source=b dir', '--json', '--out', '-', '--', '--not-an-option'],
    SPECS,
  );
  assert.deepEqual(args.strings('source'), ['a.mbox', 'b dir']);
  assert.equal(args.string('out'), '-');
  assert.equal(args.flag('json'), true);
  assert.deepEqual(args.positionals, ['pos', '--not-an-option']);
  assert.equal(args.has('out'), true);
  assert.equal(parseArgs([], SPECS).has('out'), false);
});

test('an unknown option names itself', () => {
  const error = usageError(() => parseArgs(['--sorce', 'x'], SPECS));
  assert.match(error.message, /unknown option --sorce/);
  assert.equal(error.option, '--sorce');
  assert.match(usageError(() => parseArgs(['-o', 'x'], SPECS)).message, /unknown option -o/);
});

test('a missing value is reported, also when the next argument is an option', () => {
  assert.match(usageError(() => parseArgs(['--out'], SPECS)).message, /option --out needs a value/);
  assert.match(usageError(() => parseArgs(['--source', '--json'], SPECS)).message, /option --source needs a value/);
  // `--name=value` passes a value that looks like an option on purpose.
  assert.equal(parseArgs(['--out=--json'], SPECS).string('out'), '--json');
});

test('a single option given twice is refused with both values', () => {
  const error = usageError(() => parseArgs(['--out', 'a', '--out', 'b'], SPECS));
  assert.match(error.message, /--out is given more than once \("a" and "b"\)/);
  assert.match(usageError(() => parseArgs(['--json', '--json'], SPECS)).message, /--json is given more than once/);
});

test('a flag refuses a value', () => {
  assert.match(usageError(() => parseArgs(['--json=yes'], SPECS)).message, /--json takes no value \(got "yes"\)/);
});
