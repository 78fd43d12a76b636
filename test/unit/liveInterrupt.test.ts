// Ctrl+C (SIGINT) or SIGTERM while `lint --connect` waits for hosts: the built CLI, with a fake
// `virsh` on PATH that never answers and starts a child of its own (as virsh starts ssh for a
// remote URI). virsh runs detached, so nothing but the CLI itself can end it: every virsh and
// its child must be gone when the CLI has exited.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_BUNDLE, tempTree } from '../helpers/cliRun';
import { alive } from '../helpers/qemuImgFixtures';

const HANGING_VIRSH = `#!/bin/sh
sleep 600 &
echo "$$ $!" >> "$QDT_TEST_PIDS"
wait
`;

const readPids = (file: string): number[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number) : []);

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${sig} while virsh hangs on two hosts: exit ${code}, no report, no virsh or child of it left running`, { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const dir = tempTree({ 'bin/virsh': HANGING_VIRSH });
    const pidFile = path.join(dir, 'pids');
    try {
      fs.chmodSync(path.join(dir, 'bin/virsh'), 0o755);
      const cli = spawn(process.execPath, [CLI_BUNDLE, 'lint', '--connect', 'qemu+ssh://a/system', '--connect', 'qemu+ssh://b/system'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, QDT_TEST_PIDS: pidFile },
      });
      let stdout = '';
      let stderr = '';
      cli.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      cli.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const closed = new Promise<number | null>((resolve) => cli.on('close', (c) => resolve(c)));
      // Both hosts' virsh (and their sleeps) are running before the signal is sent.
      const deadline = Date.now() + 30_000;
      while (readPids(pidFile).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const pids = readPids(pidFile);
      assert.equal(pids.length, 4, `the fake virsh did not start twice:\n${stderr}`);
      assert.ok(pids.every(alive));
      cli.kill(sig);
      assert.equal(await closed, code, stderr);
      assert.equal(stdout, '', 'no report, not even part of one');
      assert.match(stderr, new RegExp(`^Cancelling \\(${sig}\\): stopping virsh; `, 'm'));
      assert.match(stderr, /^Cancelled: virsh was stopped before every domain was read; no report was written\.\n$/m);
      // SIGKILL is delivered before the CLI exits; a moment for the kernel to finish them.
      const gone = Date.now() + 5_000;
      while (pids.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(pids.filter(alive), [], 'virsh or its child still running');
    } finally {
      for (const pid of readPids(pidFile)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone, as it should be
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
