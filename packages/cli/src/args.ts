/**
 * The command line of each `pstream` command, read by `node:util`'s `parseArgs` (its tokens): `--name value`,
 * `--name=value`, boolean `--flag`, repeatable options, positional arguments and `--`. `parseArgs` itself would
 * accept an option given twice or a value that is the next option; here every such mistake is a {@link UsageError}
 * naming the option and the value.
 */
import { parseArgs as parseTokens } from 'node:util';
import { UsageError } from './errors.js';

/** How one long option is read. */
export interface OptionSpec {
  /** `string` options take a value; `boolean` options take none. */
  readonly type: 'string' | 'boolean';
  /** The option may be given several times (its values are collected in order). */
  readonly multiple?: boolean;
}

/** Long options by name, without the leading `--`. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The result of {@link parseArgs}. */
export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    private readonly flags: ReadonlySet<string>,
    /** Arguments that are not options, in order. */
    readonly positionals: readonly string[],
  ) {}

  /** The value of a single string option, or undefined when it was not given. */
  string(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  /** Every value of a repeatable string option (empty when not given). */
  strings(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }

  /** Whether a boolean option was given. */
  flag(name: string): boolean {
    return this.flags.has(name);
  }

  /** Whether an option of either kind was given. */
  has(name: string): boolean {
    return this.values.has(name) || this.flags.has(name);
  }
}

/**
 * Parses `argv` (without the node binary, script and command name) against `specs`.
 * @throws UsageError for an unknown option, a missing value, a value given to a flag, or a single option repeated.
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  // Not strict: the tokens of every mistake are checked below, so that each message names the option and the value.
  const { tokens } = parseTokens({
    args: [...argv],
    options: { ...specs },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const { name, rawName } = token;
    if (!rawName.startsWith('--'))
      throw new UsageError(`unknown option ${rawName} (options are spelled --name)`, rawName);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined || name === '') throw new UsageError(`unknown option --${name}`, `--${name}`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw new UsageError(`option --${name} takes no value (got "${token.value}")`, `--${name}`, token.value);
      if (flags.has(name) && !spec.multiple)
        throw new UsageError(`option --${name} is given more than once`, `--${name}`);
      flags.add(name);
      continue;
    }
    const value = token.value;
    // A following `--option` is not taken as a value; `--name=--x` passes such a value on purpose.
    if (value === undefined || (!token.inlineValue && value.startsWith('--') && value.length > 2)) {
      throw new UsageError(`option --${name} needs a value`, `--${name}`);
    }
    const previous = values.get(name);
    if (previous === undefined) {
      values.set(name, [value]);
    } else if (spec.multiple) {
      previous.push(value);
    } else {
      throw new UsageError(
        `option --${name} is given more than once ("${previous[0]}" and "${value}")`,
        `--${name}`,
        value,
      );
    }
  }
  return new ParsedArgs(values, flags, positionals);
}
