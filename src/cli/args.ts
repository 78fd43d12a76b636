// util.parseArgs with its errors turned into UsageError (exit 2) and phrased for the CLI.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    throw new UsageError(`${command}: ${msg} Run 'qemu-disk-tools ${command} --help' for the options.`);
  }
}

/** Checks a value against a list, naming the valid ones when it is not among them. */
export function oneOf<T extends string>(option: string, value: string | undefined, valid: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!valid.includes(value as T)) throw new UsageError(`${option} '${value}': expected one of ${valid.join(', ')}.`);
  return value as T;
}
