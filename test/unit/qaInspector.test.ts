// Second, independent look at the image inspector, against the real qemu-img: images holding
// real, varied data in every layout qemu-img writes (header extensions, compression,
// preallocation, streamOptimized, VHDX with data, fixed/dynamic VHD, static VDI, LUKS), ISO
// images made by genisoimage, partitioned disks made by sfdisk, file names qemu-img writes into
// a VMDK descriptor, and hostile mixes built from real images.
import { after, before, describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectBytes, inspectImage } from '../../src/core/image/imageInspector';
import * as img from '../helpers/hostileImages';

const QEMU_IMG = process.env.QEMU_IMG ?? 'qemu-img';
const has = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const haveQemuImg = has(QEMU_IMG, ['--version']);
const haveGenisoimage = has('genisoimage', ['-version']);
const haveSfdisk = has('sfdisk', ['--version']);
const haveMkfsVfat = spawnSync('mkfs.vfat', ['--help']).error === undefined;

interface QemuInfo { format: string; 'virtual-size': number; 'backing-filename'?: string }

const qemuInfo = (file: string, format: string): QemuInfo =>
  JSON.parse(execFileSync(QEMU_IMG, ['info', '-f', format, '--output=json', file], { env: { ...process.env, LC_ALL: 'C' } }).toString()) as QemuInfo;

const SECRET = ['--object', 'secret,id=sec0,data=qa-passphrase'];

let dir: string;
let data: string;

/** 6 MiB of varied data: a text first sector, random blocks, zeros, a repeated pattern. */
function writeData(file: string): string {
  const size = 6 * img.MiB;
  const buf = Buffer.alloc(size);
  buf.write('QA test disk: plain text in the first sector, not a format header.\n', 0, 'latin1');
  let x = 0x9e3779b9;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let off = 64 * img.KiB; off < size; off += 256 * img.KiB) {
    const kind = (off / (256 * img.KiB)) % 3;
    const end = Math.min(off + 192 * img.KiB, size);
    if (kind === 0) for (let i = off; i < end; i += 4) buf.writeUInt32LE(rnd(), i);
    else if (kind === 1) buf.fill('libvirt qemu nova ', off, end, 'latin1');
    // kind 2: zeros, so sparse formats leave holes
  }
  fs.writeFileSync(file, buf);
  return file;
}

function convert(to: string, options: string[], name: string, extra: string[] = []): string {
  const out = path.join(dir, name);
  fs.rmSync(out, { force: true });
  execFileSync(QEMU_IMG, ['convert', '-q', ...extra, '-f', 'raw', '-O', to, ...options.flatMap((o) => ['-o', o]), data, out]);
  return out;
}

before(() => {
  dir = img.makeTempDir('qdt-qa-');
  data = writeData(path.join(dir, 'data.raw'));
});
after(() => img.removeTempDir(dir));

const skipUnless = (t: TestContext, ok: boolean, why: string): boolean => {
  if (!ok) t.skip(why);
  return !ok;
};
const NO_QEMU = 'qemu-img is not installed (scripts/install-system-deps.sh installs it)';

describe('qa: images with real data, in every layout qemu-img writes', () => {
  const cases: Array<{ name: string; to: string; options: string[]; extra?: string[]; expect: string; declared?: string }> = [
    { name: 'plain.qcow2', to: 'qcow2', options: [], expect: 'qcow2' },
    { name: 'v2.qcow2', to: 'qcow2', options: ['compat=0.10'], expect: 'qcow2' },
    { name: 'compressed.qcow2', to: 'qcow2', options: [], extra: ['-c'], expect: 'qcow2' },
    { name: 'zstd.qcow2', to: 'qcow2', options: ['compression_type=zstd'], extra: ['-c'], expect: 'qcow2' },
    { name: 'prealloc-metadata.qcow2', to: 'qcow2', options: ['preallocation=metadata'], expect: 'qcow2' },
    { name: 'prealloc-falloc.qcow2', to: 'qcow2', options: ['preallocation=falloc'], expect: 'qcow2' },
    { name: 'prealloc-full.qcow2', to: 'qcow2', options: ['preallocation=full'], expect: 'qcow2' },
    { name: 'l2-small-clusters.qcow2', to: 'qcow2', options: ['extended_l2=on', 'cluster_size=16k'], expect: 'qcow2' },
    { name: 'tiny-clusters.qcow2', to: 'qcow2', options: ['cluster_size=512', 'lazy_refcounts=on', 'refcount_bits=1'], expect: 'qcow2' },
    { name: 'sparse.vmdk', to: 'vmdk', options: ['subformat=monolithicSparse'], expect: 'vmdk' },
    { name: 'stream.vmdk', to: 'vmdk', options: ['subformat=streamOptimized'], expect: 'vmdk' },
    { name: 'stream-c.vmdk', to: 'vmdk', options: ['subformat=streamOptimized'], extra: ['-c'], expect: 'vmdk' },
    { name: 'sparse-scsi-v6.vmdk', to: 'vmdk', options: ['subformat=monolithicSparse', 'adapter_type=lsilogic', 'hwversion=6'], expect: 'vmdk' },
    { name: 'dynamic.vhd', to: 'vpc', options: ['subformat=dynamic'], expect: 'vhd' },
    { name: 'fixed.vhd', to: 'vpc', options: ['subformat=fixed'], expect: 'vhd', declared: 'vpc' },
    { name: 'dynamic.vhdx', to: 'vhdx', options: ['subformat=dynamic'], expect: 'vhdx' },
    { name: 'fixed.vhdx', to: 'vhdx', options: ['subformat=fixed', 'block_size=8M'], expect: 'vhdx' },
    { name: 'static.vdi', to: 'vdi', options: ['static=on'], expect: 'vdi' },
    { name: 'dynamic.vdi', to: 'vdi', options: ['static=off'], expect: 'vdi' },
  ];
  for (const c of cases) {
    test(`${c.name} (${[...(c.extra ?? []).filter((e) => e === '-c'), ...c.options].join(',') || 'defaults'}): ${c.expect}, qemu-img's size, no refusal; declared raw is refused`, async (t) => {
      if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
      const file = convert(c.to, c.options, c.name, c.extra);
      const r = await inspectImage(file, { declaredFormat: c.declared });
      const info = qemuInfo(file, c.to);
      assert.equal(r.format, c.expect);
      assert.equal(r.qemuFormat, info.format);
      assert.equal(r.virtualSize, info['virtual-size']);
      assert.deepEqual(r.refusals, []);
      assert.deepEqual((await inspectImage(file, { declaredFormat: c.to })).refusals, []);
      if (c.expect !== 'vhd' || !c.declared) {
        const asRaw = await inspectImage(file, { declaredFormat: 'raw' });
        assert.deepEqual(asRaw.issues.map((i) => i.code), ['format-mismatch']);
      }
      // Back to raw: the copy is raw data again, with the same size and nothing to refuse.
      if (c.to !== 'luks') {
        const back = path.join(dir, `${c.name}.back.raw`);
        execFileSync(QEMU_IMG, ['convert', '-q', '-f', c.to, '-O', 'raw', file, back]);
        const b = await inspectImage(back, { declaredFormat: 'raw' });
        assert.deepEqual([b.format, b.virtualSize, b.refusals], ['raw', info['virtual-size'], []]);
        fs.rmSync(back);
      }
      fs.rmSync(file);
    });
  }

  test('a LUKS volume made by qemu-img: luks, qemu-img\'s size (the payload), no refusal', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    const file = path.join(dir, 'disk.luks');
    // qemu-img times its PBKDF on this machine and now and then fails to ("Unable to get accurate
    // CPU usage"): a few tries, then skip with that reason.
    let made = false;
    for (let i = 0; i < 5 && !made; i++) {
      made = spawnSync(QEMU_IMG, ['create', '-q', '-f', 'luks', ...SECRET, '-o', 'key-secret=sec0,iter-time=10', file, '5M']).status === 0;
    }
    if (skipUnless(t, made, 'qemu-img could not time its PBKDF here (Unable to get accurate CPU usage)')) return;
    const r = await inspectImage(file);
    const info = JSON.parse(execFileSync(QEMU_IMG, ['info', '--output=json', '--image-opts', ...SECRET, `driver=luks,key-secret=sec0,file.filename=${file}`]).toString()) as QemuInfo;
    assert.deepEqual([r.format, r.qemuFormat, r.virtualSize, r.refusals], ['luks', 'luks', info['virtual-size'], []]);
  });

  test('a qcow2 with a persistent bitmap (bitmaps header extension, autoclear bit) is accepted', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    const file = convert('qcow2', [], 'bitmap.qcow2');
    execFileSync(QEMU_IMG, ['bitmap', '--add', file, 'backup-0']);
    const head = fs.readFileSync(file).subarray(0, 512);
    assert.equal(head.readBigUInt64BE(88) & 1n, 1n, 'the autoclear bitmaps bit is set');
    const r = await inspectImage(file);
    assert.deepEqual([r.format, r.virtualSize, r.refusals], ['qcow2', qemuInfo(file, 'qcow2')['virtual-size'], []]);
  });

  test('a qcow2 whose backing file qemu-img removed again (rebase -u "") is accepted; with one it is refused', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    const file = path.join(dir, 'overlay.qcow2');
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', '-b', data, '-F', 'raw', file]);
    assert.deepEqual((await inspectImage(file)).issues.map((i) => i.code), ['backing-file']);
    execFileSync(QEMU_IMG, ['rebase', '-q', '-u', '-b', '', file]);
    assert.equal(qemuInfo(file, 'qcow2')['backing-filename'], undefined);
    assert.deepEqual((await inspectImage(file)).refusals, []);
  });

  test('a streamOptimized VMDK from qemu-img: the inspector accepts qemu\'s layout (grain directory in the header, no footer)', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    const file = convert('vmdk', ['subformat=streamOptimized'], 'layout.vmdk');
    const bytes = fs.readFileSync(file);
    // QEMU 7.2 writes the grain directory offset into the header and ends with an end-of-stream
    // marker, without VMware's footer: the footer check never runs on qemu-made images.
    const gdOffset = bytes.readBigUInt64LE(56);
    const tail = bytes.subarray(bytes.length - 1536);
    assert.notEqual(gdOffset, 0xffffffffffffffffn);
    assert.notEqual(tail.toString('latin1', 512, 516), 'KDMV');
    assert.deepEqual((await inspectImage(file)).refusals, []);
    // Rewritten the VMware way (gdOffset = GD_AT_END in the header, real header copied as footer
    // before an end-of-stream marker), the same data still passes and keeps qemu's size.
    const header = Buffer.from(bytes.subarray(0, 512));
    header.writeBigUInt64LE(0xffffffffffffffffn, 56);
    const footerMarker = Buffer.alloc(512);
    footerMarker.writeUInt32LE(3, 12);
    const vmware = Buffer.concat([header, bytes.subarray(512), footerMarker, bytes.subarray(0, 512), Buffer.alloc(512)]);
    const v = await inspectBytes(vmware, 'vmware.vmdk');
    assert.deepEqual([v.format, v.virtualSize, v.refusals], ['vmdk', qemuInfo(file, 'vmdk')['virtual-size'], []]);
    // Cut before its footer, that file is refused.
    const cut = await inspectBytes(vmware.subarray(0, vmware.length - 1024), 'cut.vmdk');
    assert.deepEqual(cut.issues.map((i) => i.code), ['vmdk-footer']);
  });

  test('qemu-img writes the file name into a VMDK descriptor: unicode, blanks and quotes in it are no reason to refuse', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    for (const name of ['диск ü 🚀.vmdk', 'Windows Server 2022 (eval).vmdk', "o'brien.vmdk"]) {
      for (const sub of ['streamOptimized', 'monolithicSparse']) {
        const file = convert('vmdk', [`subformat=${sub}`], name);
        const r = await inspectImage(file);
        assert.deepEqual([r.format, r.refusals], ['vmdk', []], `${sub} ${name}`);
        assert.equal(r.virtualSize, qemuInfo(file, 'vmdk')['virtual-size']);
        fs.rmSync(file);
      }
    }
  });

  test('a multi-file VMDK descriptor with a non-ASCII name is still a VMDK (refused), not raw data', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    const file = path.join(dir, 'диск.vmdk');
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicFlat', file, '1M']);
    // qemu-img, left to probe, reads it as a VMDK whose data is in диск-flat.vmdk.
    assert.equal((JSON.parse(execFileSync(QEMU_IMG, ['info', '--output=json', file]).toString()) as QemuInfo).format, 'vmdk');
    const r = await inspectImage(file);
    assert.equal(r.format, 'vmdk');
    assert.ok(r.issues.some((i) => i.code === 'vmdk-extent-file'), JSON.stringify(r.issues));
    assert.match(r.refusals[0], /extent 'диск-flat\.vmdk' is a separate file/);
    // A hand-written one naming /etc/passwd, with an accented comment, is refused for the path.
    const hostile = Buffer.from('# Disk DescriptorFile — copié\nversion=1\ncreateType="monolithicFlat"\nRW 2048 FLAT "/etc/passwd" 0\n', 'utf8');
    const h = await inspectBytes(hostile, 'copié.vmdk');
    assert.equal(h.format, 'vmdk');
    assert.match(h.refusals.join(' '), /extent '\/etc\/passwd' is a host file named by absolute path/);
  });

  test('a qcow2 cut short anywhere in its first cluster is refused or raw, never accepted as a clean qcow2', async (t) => {
    if (skipUnless(t, haveQemuImg, NO_QEMU)) return;
    const bytes = fs.readFileSync(convert('qcow2', [], 'whole.qcow2')).subarray(0, 4096);
    for (const cut of [4, 20, 31, 32, 71, 72, 100, 103]) {
      const r = await inspectBytes(Buffer.from(bytes.subarray(0, cut)), `cut-${cut}.qcow2`);
      assert.ok(r.refusals.length > 0 || r.format === 'raw', `cut at ${cut}: ${r.format}`);
    }
  });
});

describe('qa: ISO images made by genisoimage', () => {
  const tree = () => {
    const root = path.join(dir, 'iso-tree');
    fs.mkdirSync(path.join(root, 'boot'), { recursive: true });
    fs.writeFileSync(path.join(root, 'README.txt'), 'QA ISO\n');
    fs.writeFileSync(path.join(root, 'boot', 'blob.bin'), Buffer.alloc(300 * img.KiB, 7));
    return root;
  };
  for (const [name, flags] of [['plain.iso', []], ['rock-joliet.iso', ['-J', '-R', '-V', 'CIDATA']], ['udf.iso', ['-udf']]] as const) {
    test(`${name}: iso, raw to qemu-img, the file's size; declared raw is fine, declared qcow2 refused`, async (t) => {
      if (skipUnless(t, haveQemuImg && haveGenisoimage, 'genisoimage or qemu-img is not installed (scripts/install-system-deps.sh installs them)')) return;
      const file = path.join(dir, name);
      execFileSync('genisoimage', ['-quiet', ...flags, '-o', file, tree()]);
      const r = await inspectImage(file);
      assert.deepEqual([r.format, r.qemuFormat, r.virtualSize, r.refusals], ['iso', 'raw', fs.statSync(file).size, []]);
      assert.equal(r.virtualSize, qemuInfo(file, 'raw')['virtual-size']);
      assert.deepEqual((await inspectImage(file, { declaredFormat: 'raw' })).refusals, []);
      assert.deepEqual((await inspectImage(file, { declaredFormat: 'qcow2' })).issues.map((i) => i.code), ['format-mismatch']);
    });
  }

  test('an ISO whose system area holds a qcow2 header with a backing file (genisoimage -G) is refused', async (t) => {
    if (skipUnless(t, haveQemuImg && haveGenisoimage, 'genisoimage or qemu-img is not installed')) return;
    const overlay = path.join(dir, 'evil.qcow2');
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', overlay, '1M']);
    const file = path.join(dir, 'evil.iso');
    execFileSync('genisoimage', ['-quiet', '-G', overlay, '-o', file, tree()]);
    // qemu-img, left to probe, takes it for a qcow2 backed by /etc/passwd.
    const probed = JSON.parse(execFileSync(QEMU_IMG, ['info', '--output=json', file]).toString()) as QemuInfo;
    assert.equal(probed.format, 'qcow2');
    assert.equal(probed['backing-filename'], '/etc/passwd');
    for (const declaredFormat of [undefined, 'raw']) {
      const r = await inspectImage(file, { declaredFormat });
      assert.ok(r.issues.some((i) => i.code === 'multiple-formats'), JSON.stringify(r.issues));
      assert.ok(r.issues.some((i) => i.code === 'backing-file'));
    }
  });
});

describe('qa: partitioned raw disks made by sfdisk, and filesystems', () => {
  const disk = (name: string, script: string) => {
    const file = path.join(dir, name);
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, Buffer.alloc(8 * img.MiB));
    execFileSync('sfdisk', ['-q', file], { input: script });
    return file;
  };

  test('an MBR disk and a GPT disk written by sfdisk are partitioned raw disks with nothing to refuse', async (t) => {
    if (skipUnless(t, haveSfdisk, 'sfdisk (Debian fdisk) is not installed')) return;
    for (const [name, script] of [
      ['mbr.img', 'label: dos\n,4M,L,*\n,,82\n'],
      ['gpt.img', 'label: gpt\n,2M,U\n,,L\n'],
      ['mbr-extended.img', 'label: dos\n,2M,L\n,,E\n,1M,L\n,,L\n'],
    ]) {
      const file = disk(name, script);
      const r = await inspectImage(file);
      assert.deepEqual([r.format, r.qemuFormat, r.virtualSize, r.refusals], ['gpt', 'raw', 8 * img.MiB, []], name);
      assert.deepEqual((await inspectImage(file, { declaredFormat: 'raw' })).refusals, [], name);
    }
  });

  test('a FAT filesystem image made by mkfs.vfat (two FATs, fixed-disk media) is raw', async (t) => {
    if (skipUnless(t, haveMkfsVfat, 'mkfs.vfat (Debian dosfstools) is not installed')) return;
    const file = path.join(dir, 'esp.img');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 32 * img.MiB);
    execFileSync('mkfs.vfat', ['-F', '16', file], { stdio: 'ignore' });
    const r = await inspectImage(file);
    assert.deepEqual([r.format, r.refusals], ['raw', []]);
  });
});

describe('qa: refusals read well for an operator', () => {
  test('every refusal names the file, says the danger, ends with what happens; no undefined, no double blanks', async () => {
    const samples = [
      ...img.hostileSamples(),
      { name: 'truncated.qcow2', bytes: img.truncated(img.qcow2V3(), 40), reason: 'truncated' },
      { name: 'huge.vdi', bytes: (() => { const b = img.vdi(); b.writeBigUInt64LE(0xffffffffffffffffn, 0x170); return b; })(), reason: 'implausible-size' },
      { name: 'cut-stream.vmdk', bytes: (() => { const b = img.vmdkStreamOptimized(); return img.truncated(b, b.length - 1024); })(), reason: 'vmdk-footer' },
      { name: 'no-partitions.img', bytes: (() => { const b = Buffer.alloc(img.MiB); b.writeUInt16LE(0xaa55, 510); return b; })(), reason: 'mbr-invalid' },
      { name: 'odd.raw', bytes: img.qcow2V3(), declaredFormat: 'floppy', reason: 'unknown-declared-format' },
    ];
    const codes = new Set<string>();
    for (const s of samples) {
      const r = await inspectBytes(s.bytes, s.name, { declaredFormat: s.declaredFormat });
      assert.ok(r.issues.some((i) => i.code === s.reason), `${s.name}: ${r.issues.map((i) => i.code).join(', ')}`);
      for (const i of r.issues) {
        codes.add(i.code);
        assert.ok(i.message.startsWith(s.name), `${i.code}: does not start with the file name: ${i.message}`);
        assert.ok(!/undefined|\[object Object\]|NaN|null/.test(i.message), i.message);
        assert.ok(!/ {2}|\s[,:;]|\s\.(\s|$)/.test(i.message), `${i.code}: stray blank in ${JSON.stringify(i.message)}`);
        assert.match(i.message, /[.]$/, i.message);
        assert.ok(i.message.length <= 400, `${i.code}: ${i.message.length} characters`);
      }
      assert.deepEqual(r.refusals, r.issues.map((i) => i.message));
    }
    assert.ok(codes.size >= 16, [...codes].join(', '));
  });
});
