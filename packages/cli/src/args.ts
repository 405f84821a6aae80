/**
 * A small strict command-line parser: `--name value`, `--name=value`, boolean `--flag`, repeatable
 * options, positional arguments and `--`. Every mistake is a {@link UsageError} naming the option.
 */
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
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg} (options are spelled --name)`, arg);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined || name === '') throw new UsageError(`unknown option --${name}`, `--${name}`);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value (got "${arg.slice(eq + 1)}")`, `--${name}`, arg.slice(eq + 1));
      if (flags.has(name) && !spec.multiple) throw new UsageError(`option --${name} is given more than once`, `--${name}`);
      flags.add(name);
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      // A following `--option` is not taken as a value; `--name=--x` passes such a value on purpose.
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`option --${name} needs a value`, `--${name}`);
      }
      value = next;
      i++;
    }
    const previous = values.get(name);
    if (previous === undefined) {
      values.set(name, [value]);
    } else if (spec.multiple) {
      previous.push(value);
    } else {
      throw new UsageError(`option --${name} is given more than once ("${previous[0]}" and "${value}")`, `--${name}`, value);
    }
  }
  return new ParsedArgs(values, flags, positionals);
}
