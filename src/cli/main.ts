// Command dispatch. Returns the exit code instead of exiting, so tests can run it in-process.
import { EXIT, UsageError, type CliIO } from './io';
import { ConfigError } from '../core/lint/ruleConfig';
import { MAIN_HELP } from './help';
import { toolVersion } from './version';
import { runLint } from './lintCommand';

// convert and inspect load child_process, crypto, streams…: loaded only when used, which keeps
// `lint` (the command CI runs on every push) from paying for them at start-up.
const COMMANDS: Record<string, (argv: string[], io: CliIO) => Promise<number>> = {
  lint: runLint,
  convert: async (argv, io) => (await import('./convertCommand')).runConvert(argv, io),
  inspect: async (argv, io) => (await import('./inspectCommand')).runInspect(argv, io),
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === '--version' || command === '-V') {
      io.stdout.write(`${toolVersion()}\n`);
      return EXIT.ok;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}'. Commands: ${Object.keys(COMMANDS).join(', ')}; see qemu-disk-tools --help.`);
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      io.stderr.write(`qemu-disk-tools: ${e.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`qemu-disk-tools: unexpected error: ${(e as Error).stack ?? e}\nThis is a bug; please report it.\n`);
    return EXIT.usage;
  }
}
