// The convert and inspect commands on real images made with the real qemu-img: the happy path,
// refusals, usage errors, and Ctrl+C in the middle of a conversion.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { CLI_BUNDLE, runCli, tempTree } from '../helpers/cliRun';
import { vmdkCapacityZero, vmdkDescriptorWithPathExtent } from '../helpers/hostileImages';
import { recordingQemuImg } from '../helpers/qemuImgFixtures';

const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { encoding: 'utf8' });
const infoOf = (file: string) => JSON.parse(qemuImg('info', '--output=json', file)) as { format: string; 'virtual-size': number };
const rm = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });
const MiB = 1024 * 1024;

/** A raw image holding incompressible data, so that a compressed conversion takes a while. */
function randomRaw(file: string, mib: number): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) fs.writeSync(fd, randomFillSync(chunk));
  fs.closeSync(fd);
}

test('convert qcow2 -> raw: the target has the source format converted, no .part, progress lines on a pipe', async () => {
  const dir = tempTree({});
  try {
    qemuImg('create', '-q', '-f', 'qcow2', path.join(dir, 'small.qcow2'), '16M');
    const r = await runCli(['convert', 'small.qcow2', 'small.raw'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Converted small\.qcow2 \(qcow2, .*\) to small\.raw \(raw, .*\)/m);
    assert.match(r.stderr, /^Converting 100%/m, 'plain progress lines when stderr is not a terminal');
    assert.doesNotMatch(r.stderr, /\r/);
    assert.equal(infoOf(path.join(dir, 'small.raw')).format, 'raw');
    assert.equal(infoOf(path.join(dir, 'small.raw'))['virtual-size'], 16 * MiB);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['small.qcow2', 'small.raw']);
    // The target exists now: a second run refuses unless --force.
    const again = await runCli(['convert', 'small.qcow2', 'small.raw'], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Refused: .*already exists/m);
    assert.equal((await runCli(['convert', '--force', '--to', 'qcow2', 'small.qcow2', 'small.raw'], dir)).code, 0);
    assert.equal(infoOf(path.join(dir, 'small.raw')).format, 'qcow2', '--to wins over the extension');
  } finally {
    rm(dir);
  }
});

test('inspect: format, size and qemu-img info of a safe image; --json', async () => {
  const dir = tempTree({});
  try {
    qemuImg('create', '-q', '-f', 'qcow2', path.join(dir, 'disk.qcow2'), '8M');
    const r = await runCli(['inspect', 'disk.qcow2'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /format: +qcow2/);
    assert.match(r.stdout, /safe to open: +yes/);
    assert.match(r.stdout, new RegExp(`virtual size: +${8 * MiB} bytes`));
    const j = JSON.parse((await runCli(['inspect', '--json', 'disk.qcow2'], dir)).stdout);
    assert.equal(j.inspection.format, 'qcow2');
    assert.deepEqual(j.inspection.refusals, []);
    assert.equal(j.qemuImgInfo.virtualSize, 8 * MiB);
  } finally {
    rm(dir);
  }
});

test('hostile images (a backing file, a VMDK extent naming a host file) are refused by inspect and convert; nothing is written', async () => {
  const dir = tempTree({ 'secret.raw': Buffer.alloc(MiB) });
  const secret = path.join(dir, 'secret.raw');
  fs.writeFileSync(path.join(dir, 'extent.vmdk'), vmdkDescriptorWithPathExtent(secret));
  qemuImg('create', '-q', '-f', 'qcow2', '-b', secret, '-F', 'raw', path.join(dir, 'backed.qcow2'));
  try {
    for (const [image, why] of [['backed.qcow2', /backing/i], ['extent.vmdk', /extent|secret\.raw|file/i]] as const) {
      const inspected = await runCli(['inspect', image], dir);
      assert.equal(inspected.code, 1, image);
      assert.match(inspected.stdout, /safe to open: +NO/);
      assert.match(inspected.stdout, why);
      const converted = await runCli(['convert', image, 'out.raw'], dir);
      assert.equal(converted.code, 1, image);
      assert.match(converted.stderr, /^Refused\b/m);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['backed.qcow2', 'extent.vmdk', 'secret.raw']);
    }
  } finally {
    rm(dir);
  }
});

test('issue 8: a VMDK that QEMU reads as a descriptor naming x.bin beside it is refused by inspect and convert before qemu-img runs', async () => {
  const dir = tempTree({ 'x.bin': Buffer.alloc(4096, 'secret ') });
  fs.writeFileSync(path.join(dir, 'disk.vmdk'), vmdkCapacityZero());
  const rec = recordingQemuImg(fs.mkdtempSync(path.join(dir, 'rec-')));
  try {
    // The oracle: plain qemu-img opens x.bin as the image's data.
    assert.match(qemuImg('info', '-f', 'vmdk', path.join(dir, 'disk.vmdk')), /x\.bin/);
    const inspected = await runCli(['inspect', '--qemu-img', rec.path, 'disk.vmdk'], dir);
    assert.equal(inspected.code, 1);
    assert.match(inspected.stdout, /safe to open: +NO/);
    assert.match(inspected.stdout, /extent 'x\.bin' is a separate file/);
    const converted = await runCli(['convert', '--qemu-img', rec.path, 'disk.vmdk', 'out.raw'], dir);
    assert.equal(converted.code, 1);
    assert.match(converted.stderr, /extent 'x\.bin' is a separate file/);
    assert.deepEqual(rec.calls(), [], 'qemu-img was started');
    assert.ok(!fs.existsSync(path.join(dir, 'out.raw')));
  } finally {
    rm(dir);
  }
});

test('convert usage errors exit 2: unknown target extension, options that do not fit the format', async () => {
  const dir = tempTree({});
  try {
    qemuImg('create', '-q', '-f', 'raw', path.join(dir, 'a.raw'), '1M');
    const ext = await runCli(['convert', 'a.raw', 'a.bin'], dir);
    assert.equal(ext.code, 2);
    assert.match(ext.stderr, /cannot tell the target format from 'a\.bin'; add --to/);
    const prealloc = await runCli(['convert', '--preallocation', 'metadata', 'a.raw', 'b.raw'], dir);
    assert.equal(prealloc.code, 2);
    assert.match(prealloc.stderr, /[Pp]reallocation/);
    assert.equal((await runCli(['convert', 'a.raw'], dir)).code, 2);
    assert.equal((await runCli(['convert', '--to', 'qed', 'a.raw', 'b.qed'], dir)).code, 2);
    assert.deepEqual(fs.readdirSync(dir), ['a.raw']);
  } finally {
    rm(dir);
  }
});

/** Whether any process still has this path on its command line (qemu-img left running). */
function processMentions(text: string): boolean {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

test('Ctrl+C during a conversion: exit 130, qemu-img stopped, no target and no .part left', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const dir = tempTree({});
  try {
    randomRaw(path.join(dir, 'big.raw'), 96);
    const child = spawn(process.execPath, [CLI_BUNDLE, 'convert', '--compress', 'big.raw', 'big.qcow2'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      // Interrupt once qemu-img is running and has written part of the output.
      if (!sent && /Converting +[1-9]\d?%/.test(stderr) && fs.existsSync(path.join(dir, 'big.qcow2.part'))) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.ok(sent, `the conversion ended before it could be interrupted:\n${stderr}`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /^Cancelled/m);
    assert.deepEqual(fs.readdirSync(dir), ['big.raw']);
    assert.equal(processMentions(path.join(dir, 'big.qcow2')), false, 'qemu-img is still running');
  } finally {
    rm(dir);
  }
});

test('convert --for and --compression: the destination named in the summary, conflicting or unknown values are usage errors', async () => {
  const dir = tempTree({});
  try {
    qemuImg('create', '-q', '-f', 'qcow2', path.join(dir, 's.qcow2'), String(5 * MiB + 512));
    const r = await runCli(['convert', '--for', 'azure', 's.qcow2', 'disk.vhd'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Converted s\.qcow2 .* to disk\.vhd \(for Microsoft Azure: vpc, /m);
    assert.equal(JSON.parse(qemuImg('info', '-f', 'vpc', '--output=json', path.join(dir, 'disk.vhd')))['virtual-size'], 6 * MiB);
    const z = await runCli(['convert', '--compression', 'zlib', 's.qcow2', 'z.qcow2'], dir);
    assert.equal(z.code, 0, z.stderr);
    assert.match(z.stdout, /compressed with zlib/);
    for (const [args, why] of [
      [['--for', 'gcp', '--to', 'qcow2'], /--for gcp writes raw; drop --to qcow2/],
      [['--for', 'ibm'], /--for 'ibm': expected one of azure, aws, gcp, openstack/],
      [['--compression', 'lz4'], /--compression 'lz4': expected one of zstd, zlib/],
    ] as const) {
      const bad = await runCli(['convert', ...args, 's.qcow2', 'x.img'], dir);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, why);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'x.img')));
  } finally {
    rm(dir);
  }
});
