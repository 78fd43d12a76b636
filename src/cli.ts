// Command-line front of the engine: process wiring only; the commands live in src/cli/.
import { main } from './cli/main';

const controller = new AbortController();
let signalled = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signalled++;
    // The first signal cancels like the editor's Cancel button (qemu-img stopped, .part
    // removed); a second one means "now", even if that leaves a partial file behind.
    if (signalled > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    controller.abort(sig);
  });
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  stderrIsTTY: process.stderr.isTTY === true,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`qemu-disk-tools: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
