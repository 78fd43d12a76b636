// Command-line front of the engine: process wiring only; the commands live in src/cli/.
import { main } from './cli/main';

const argv = process.argv.slice(2);
let signal: AbortSignal | undefined;

// convert and inspect run qemu-img, lint --connect runs virsh: Ctrl+C (or SIGTERM) cancels them
// like the editor's Cancel button, so qemu-img and virsh (with the ssh it started) are stopped
// and no .part and no half report is left. lint of files only is synchronous and writes files
// atomically, so it keeps the default (the process ends at once).
const stopping: Record<string, string> = {
  convert: 'stopping qemu-img and removing the partial file',
  inspect: 'stopping qemu-img',
  lint: 'stopping virsh',
};
const live = argv[0] === 'lint' && argv.some((a) => a === '--connect' || a.startsWith('--connect='));
if (argv[0] === 'convert' || argv[0] === 'inspect' || live) {
  const controller = new AbortController();
  signal = controller.signal;
  let signalled = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      // A second signal means "now", even if that leaves a partial file behind.
      if (++signalled > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
      process.stderr.write(`\nCancelling (${sig}): ${stopping[argv[0]]}; press Ctrl+C again to quit at once.\n`);
      controller.abort(sig);
    });
  }
}

main(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  stderrIsTTY: process.stderr.isTTY === true,
  signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`qemu-disk-tools: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
