// The advice rules of QEMU and qemu-img command lines: choices QEMU leaves valid (no -t, -T none,
// -c with zlib, -drive without cache=), so info or hints whose fixes fix-all never applies. The
// real programs are the oracle for what each message claims: strace counts qemu-img's flushes
// and shows O_DIRECT on the source, qemu-img info names the compression type, and QEMU's
// monitor names a drive's cache mode.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixAll, lint } from '../../src/core/lint/engine';
import { shellCommands } from '../../src/core/lint/commandLine/shellWords';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';
import { hasQemu, QEMU } from '../helpers/qemuSystem';

const SCRIPT = 'build-image.sh';
const run = (text: string) => lint(text, { fileName: SCRIPT });
const only = (text: string, rule: string) => run(text).filter((f) => f.rule === rule);
const at = (text: string, f: Finding) => text.slice(f.start, f.end);
const titles = (f: Finding) => f.fixes.map((x) => `${x.title}${x.preferred ? ' (preferred)' : ''}`);

test('qemu-img convert without -t: info on the convert word, two fixes that add -t, none applied by fix-all', () => {
  const text = 'qemu-img convert -p -O raw "$SRC" "$DST"\n';
  const [f] = only(text, 'qemu-img-convert-default-cache');
  assert.equal(f.severity, 'info');
  assert.equal(at(text, f), 'convert');
  assert.match(f.message, /cache=unsafe.*never flushes it.*Add -t writeback/s);
  assert.deepEqual(titles(f), ['Add -t writeback', 'Add -t none (target filesystem supports O_DIRECT)']);
  assert.equal(applyEdits(text, f.fixes[0].edits), 'qemu-img convert -t writeback -p -O raw "$SRC" "$DST"\n');
  assert.equal(fixAll(text, { fileName: SCRIPT }).text, text);
  for (const line of ['qemu-img convert -t none a b', 'qemu-img convert -tunsafe a b', 'qemu-img convert a b -t writeback', 'qemu-img convert $OPTS a b', 'qemu-img info a', 'qemu-img convert -O raw -- -t b']) {
    assert.deepEqual(only(`${line}\n`, 'qemu-img-convert-default-cache').length, line.includes('--') ? 1 : 0, line);
  }
});

test('qemu-img convert -T none: info on the value, fixed to writeback only by hand', () => {
  for (const v of ['none', 'off', 'directsync']) {
    const text = `qemu-img convert -T ${v} -t none -O raw a b\n`;
    const [f] = only(text, 'qemu-img-convert-source-nocache');
    assert.equal(at(text, f), v);
    assert.equal(f.severity, 'info');
    assert.match(f.message, /O_DIRECT.*1\.7 to 2\.3 times/s);
    assert.equal(applyEdits(text, f.fixes[0].edits), 'qemu-img convert -T writeback -t none -O raw a b\n');
    assert.equal(fixAll(text, { fileName: SCRIPT }).text, text);
  }
  for (const line of ['qemu-img convert -T writeback -t none a b', 'qemu-img convert -T "$SRC_CACHE" -t none a b', 'qemu-img convert -T none -T writeback -t none a b']) {
    assert.deepEqual(only(`${line}\n`, 'qemu-img-convert-source-nocache'), [], line);
  }
});

test('qemu-img convert -c to qcow2 without zstd: a hint on -c; the fix extends -o or adds one', () => {
  const text = 'qemu-img convert -t writeback -pc -O qcow2 a.raw b.qcow2\n';
  const [f] = only(text, 'qemu-img-convert-zlib');
  assert.equal(f.severity, 'hint');
  assert.equal(at(text, f), '-pc');
  assert.equal(applyEdits(text, f.fixes[0].edits), 'qemu-img convert -o compression_type=zstd -t writeback -pc -O qcow2 a.raw b.qcow2\n');
  const withO = 'qemu-img convert -t writeback -c -O qcow2 -o cluster_size=2M a.raw b.qcow2\n';
  assert.equal(applyEdits(withO, only(withO, 'qemu-img-convert-zlib')[0].fixes[0].edits), 'qemu-img convert -t writeback -c -O qcow2 -o cluster_size=2M,compression_type=zstd a.raw b.qcow2\n');
  assert.equal(fixAll(text, { fileName: SCRIPT }).text, text);
  for (const line of [
    'qemu-img convert -t none -c -O qcow2 -o compression_type=zstd a b',
    'qemu-img convert -t none -c -O qcow2 -o compression_type=zlib a b', // said on purpose
    'qemu-img convert -t none -c -O vmdk -o subformat=streamOptimized a b',
    'qemu-img convert -t none -O qcow2 a b',
    'qemu-img convert -t none -c -O "$FMT" a b',
    'qemu-img convert -t none -c -O qcow2 -o "$OPTS" a b',
  ]) {
    assert.deepEqual(only(`${line}\n`, 'qemu-img-convert-zlib'), [], line);
  }
});

test('-drive without cache=: a hint on -drive for writable drives, never applied by fix-all', () => {
  const text = 'qemu-system-x86_64 -m 1024 -drive file=vm.qcow2,if=virtio\n';
  const [f] = run(text);
  assert.equal(f.rule, 'qemu-drive-default-cache');
  assert.equal(f.severity, 'hint');
  assert.equal(at(text, f), '-drive');
  assert.match(f.message, /QEMU uses its default, writeback/);
  assert.deepEqual(titles(f), ['Set cache=none (bypass the host page cache)', "Set cache=writeback (QEMU's default, written out)"]);
  assert.equal(applyEdits(text, f.fixes[0].edits), 'qemu-system-x86_64 -m 1024 -drive file=vm.qcow2,if=virtio,cache=none\n');
  assert.equal(fixAll(text, { fileName: SCRIPT }).text, text);
  for (const d of ['file=a.img,cache=writeback', 'file=a.img,readonly=on', 'file=a.iso,media=cdrom', 'file=a.img,snapshot=on', 'file=a.img,cache.direct=on', 'file=a.img,$OPTS', 'file=a.img,aio=$AIO', 'if=none,id=empty0']) {
    assert.deepEqual(only(`qemu-system-x86_64 -drive ${d}\n`, 'qemu-drive-default-cache'), [], d);
  }
  // aio=native: io-native-needs-direct says it, not this hint.
  assert.deepEqual(run('qemu-system-x86_64 -drive file=a.img,aio=native\n').map((x) => x.rule), ['io-native-needs-direct']);
  assert.equal(only('qemu-system-x86_64 -drive file=a.img,aio=io_uring\n', 'qemu-drive-default-cache').length, 1);
});

// --- the real programs as the oracle --------------------------------------------------------

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const hasQemuImg = spawnSync('qemu-img', ['--version']).status === 0;

/** The qemu-img words of the script's first command, run under strace in `dir`; the calls traced. */
function strace(line: string, dir: string, calls: string): string {
  const words = shellCommands(line)[0].words.map((w) => w.value);
  const r = spawnSync('strace', ['-f', '-e', `trace=${calls}`, ...words], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}
const flushes = (trace: string) => trace.split('\n').filter((l) => /\bf(data)?sync\(/.test(l)).length;

function withImages(body: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-advice-'));
    try {
      fs.writeFileSync(path.join(dir, 'src.raw'), Buffer.concat([Buffer.alloc(1 << 20, 7), Buffer.alloc(1 << 20)]));
      await body(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('strace: without -t qemu-img never flushes the target; each fix makes it flush once at the end', { skip: !(hasStrace && hasQemuImg) && 'strace or qemu-img missing (scripts/install-system-deps.sh)' }, withImages((dir) => {
  const line = 'qemu-img convert -f raw -O raw src.raw out.raw\n';
  const [f] = only(line, 'qemu-img-convert-default-cache');
  assert.equal(flushes(strace(line, dir, 'fdatasync,fsync')), 0);
  for (const x of f.fixes) {
    const fixed = applyEdits(line, x.edits);
    fs.rmSync(path.join(dir, 'out.raw'), { force: true });
    assert.ok(flushes(strace(fixed, dir, 'fdatasync,fsync')) >= 1, `${x.title}: no flush`);
    assert.deepEqual(only(fixed, 'qemu-img-convert-default-cache'), []);
  }
}));

test('strace: -T none opens the source with O_DIRECT; the fixed line does not', { skip: !(hasStrace && hasQemuImg) && 'strace or qemu-img missing' }, withImages((dir) => {
  const line = 'qemu-img convert -T none -t writeback -f raw -O raw src.raw out.raw\n';
  const sourceOpens = (trace: string) => trace.split('\n').filter((l) => l.includes('"src.raw"') && l.includes('openat'));
  assert.ok(sourceOpens(strace(line, dir, 'openat')).some((l) => l.includes('O_DIRECT')));
  const fixed = applyEdits(line, only(line, 'qemu-img-convert-source-nocache')[0].fixes[0].edits);
  assert.ok(!sourceOpens(strace(fixed, dir, 'openat')).some((l) => l.includes('O_DIRECT')));
}));

test('qemu-img info: -c alone writes zlib clusters, the fixed line zstd', { skip: !hasQemuImg && 'qemu-img missing' }, withImages((dir) => {
  const line = 'qemu-img convert -t writeback -c -f raw -O qcow2 src.raw out.qcow2\n';
  const compression = () => /compression type: (\w+)/.exec(spawnSync('qemu-img', ['info', path.join(dir, 'out.qcow2')], { encoding: 'utf8' }).stdout)?.[1];
  strace(line, dir, 'none');
  assert.equal(compression(), 'zlib');
  const fixed = applyEdits(line, only(line, 'qemu-img-convert-zlib')[0].fixes[0].edits);
  fs.rmSync(path.join(dir, 'out.qcow2'));
  strace(fixed, dir, 'none');
  assert.equal(compression(), 'zstd');
}));

test("QEMU's monitor: a -drive without cache= runs with writeback; the fixes say so or change it", { skip: !hasQemu && `${QEMU} missing` }, withImages((dir) => {
  const cacheMode = (drive: string) => {
    const r = spawnSync(QEMU, ['-machine', 'none', '-S', '-nodefaults', '-display', 'none', '-monitor', 'stdio', '-drive', drive], { cwd: dir, input: 'info block\nquit\n', encoding: 'utf8', timeout: 20_000 });
    return /Cache mode:\s+(.+)/.exec(r.stdout)?.[1].trim();
  };
  const line = 'qemu-system-x86_64 -drive file=src.raw,format=raw,if=none,id=d0\n';
  const [f] = only(line, 'qemu-drive-default-cache');
  assert.equal(cacheMode('file=src.raw,format=raw,if=none,id=d0'), 'writeback');
  const drives = f.fixes.map((x) => shellCommands(applyEdits(line, x.edits))[0].words.at(-1)!.value);
  assert.deepEqual(drives.map(cacheMode), ['writeback, direct', 'writeback']);
}));
