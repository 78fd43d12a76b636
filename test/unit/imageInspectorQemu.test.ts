// Cross-checks against the real qemu-img: images it creates must be detected with the virtual
// size it reports, and the hand-made samples must mean to qemu-img what the helpers claim.
import { after, before, describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { inspectImage } from '../../src/core/image/imageInspector';
import * as img from '../helpers/hostileImages';

const QEMU_IMG = process.env.QEMU_IMG ?? 'qemu-img';
const haveQemuImg = spawnSync(QEMU_IMG, ['--version']).status === 0;

interface QemuInfo { format: string; 'virtual-size': number; 'backing-filename'?: string; 'format-specific'?: { data?: { 'data-file'?: string } } }

function qemuInfo(file: string, format: string): QemuInfo {
  const out = execFileSync(QEMU_IMG, ['info', '-f', format, '--output=json', file], { env: { ...process.env, LC_ALL: 'C' } });
  return JSON.parse(out.toString()) as QemuInfo;
}

function create(file: string, format: string, size: string, ...options: string[]): string {
  execFileSync(QEMU_IMG, ['create', '-q', '-f', format, ...options.flatMap((o) => ['-o', o]), file, size]);
  return file;
}

let dir: string;
before(() => { dir = img.makeTempDir('qdt-qemu-'); });
after(() => img.removeTempDir(dir));

const skipWithout = (t: TestContext): boolean => {
  if (!haveQemuImg) t.skip('qemu-img is not installed (scripts/install-system-deps.sh installs it)');
  return !haveQemuImg;
};

describe('images made by qemu-img create', () => {
  const cases: Array<{ name: string; format: string; size: string; options: string[]; expect: string; declared?: string }> = [
    { name: 'v2.qcow2', format: 'qcow2', size: '100M', options: ['compat=0.10'], expect: 'qcow2' },
    { name: 'v3.qcow2', format: 'qcow2', size: '1G', options: ['compat=1.1'], expect: 'qcow2' },
    { name: 'l2.qcow2', format: 'qcow2', size: '30M', options: ['extended_l2=on'], expect: 'qcow2' },
    { name: 'lazy.qcow2', format: 'qcow2', size: '5G', options: ['lazy_refcounts=on', 'cluster_size=2M'], expect: 'qcow2' },
    { name: 'sparse.vmdk', format: 'vmdk', size: '200M', options: ['subformat=monolithicSparse'], expect: 'vmdk' },
    { name: 'stream.vmdk', format: 'vmdk', size: '300M', options: ['subformat=streamOptimized'], expect: 'vmdk' },
    { name: 'dynamic.vhd', format: 'vpc', size: '100M', options: [], expect: 'vhd' },
    { name: 'forced.vhd', format: 'vpc', size: '100M', options: ['force_size=on'], expect: 'vhd' },
    { name: 'fixed.vhd', format: 'vpc', size: '10M', options: ['subformat=fixed'], expect: 'vhd', declared: 'vpc' },
    { name: 'disk.vhdx', format: 'vhdx', size: '1G', options: [], expect: 'vhdx' },
    { name: 'small.vhdx', format: 'vhdx', size: '3M', options: ['block_size=1M'], expect: 'vhdx' },
    { name: 'disk.vdi', format: 'vdi', size: '77M', options: [], expect: 'vdi' },
    { name: 'disk.raw', format: 'raw', size: '5M', options: [], expect: 'raw' },
  ];
  for (const c of cases) {
    test(`${c.name} (${c.options.join(',') || 'defaults'}) → ${c.expect} with qemu-img's virtual size`, async (t) => {
      if (skipWithout(t)) return;
      const file = create(path.join(dir, c.name), c.format, c.size, ...c.options);
      const r = await inspectImage(file, { declaredFormat: c.declared });
      const info = qemuInfo(file, c.format);
      assert.equal(r.format, c.expect);
      assert.equal(r.qemuFormat, info.format);
      assert.equal(r.virtualSize, info['virtual-size']);
      assert.deepEqual(r.refusals, []);
    });
  }

  const hostile: Array<{ name: string; format: string; options: string[]; reason: string }> = [
    { name: 'overlay.qcow2', format: 'qcow2', options: ['backing_file=/etc/passwd', 'backing_fmt=raw'], reason: 'backing-file' },
    { name: 'external.qcow2', format: 'qcow2', options: ['data_file=EXTERNAL', 'data_file_raw=on'], reason: 'data-file' },
    { name: 'flat.vmdk', format: 'vmdk', options: ['subformat=monolithicFlat'], reason: 'vmdk-extent-file' },
    { name: 'split.vmdk', format: 'vmdk', options: ['subformat=twoGbMaxExtentSparse'], reason: 'vmdk-extent-file' },
    { name: 'old.qed', format: 'qed', options: [], reason: 'banned-format' },
    { name: 'old.qcow', format: 'qcow', options: [], reason: 'unsupported-version' },
  ];
  for (const c of hostile) {
    test(`${c.name} (${c.options.join(',') || c.format}) is refused: ${c.reason}`, async (t) => {
      if (skipWithout(t)) return;
      const options = c.options.map((o) => o.replace('EXTERNAL', path.join(dir, `${c.name}.data`)));
      const file = create(path.join(dir, c.name), c.format, '10M', ...options);
      const r = await inspectImage(file);
      assert.ok(r.issues.some((i) => i.code === c.reason), r.issues.map((i) => i.code).join(', '));
    });
  }
});

describe('hand-made samples as qemu-img sees them', () => {
  const openable = img.wellFormedSamples().filter((s) => ['qcow2', 'vmdk', 'vpc', 'vdi'].includes(s.qemuFormat) || s.format === 'raw');
  for (const s of openable) {
    test(`${s.name}: qemu-img reports the virtual size the sample claims`, (t) => {
      if (skipWithout(t)) return;
      const info = qemuInfo(img.writeImage(dir, `hand-${s.name}`, s.bytes), s.qemuFormat);
      assert.equal(info['virtual-size'], s.virtualSize);
    });
  }

  test('the hostile qcow2 samples really point qemu-img at /etc/passwd', (t) => {
    if (skipWithout(t)) return;
    const backing = qemuInfo(img.writeImage(dir, 'hand-backing.qcow2', img.qcow2WithBackingFile()), 'qcow2');
    assert.equal(backing['backing-filename'], '/etc/passwd');
    const data = qemuInfo(img.writeImage(dir, 'hand-data.qcow2', img.qcow2WithDataFile()), 'qcow2');
    assert.equal(data['format-specific']?.data?.['data-file'], '/etc/passwd');
  });

  test('qemu-img opens parentFileNameHint of a monolithicSparse VMDK as a backing file, even in a comment', (t) => {
    if (skipWithout(t)) return;
    const parent = create(path.join(dir, 'parent.vmdk'), 'vmdk', '10M');
    for (const inComment of [false, true]) {
      const child = img.writeImage(dir, `child-${inComment}.vmdk`, img.vmdkSparseWithParentHint(parent, inComment));
      assert.equal(qemuInfo(child, 'vmdk')['backing-filename'], parent);
    }
  });

  test('a VDI with an odd disk size: rounded up to whole sectors, as qemu-img does (found by the differential campaign)', async (t) => {
    for (const size of [1, 511, 1000, 64 * img.MiB - 100]) {
      const bytes = img.vdi(64 * img.MiB);
      bytes.writeBigUInt64LE(BigInt(size), 0x170);
      const file = img.writeImage(dir, 'odd.vdi', bytes);
      const r = await inspectImage(file);
      assert.equal(r.virtualSize, Math.ceil(size / 512) * 512);
      if (skipWithout(t)) return;
      assert.equal(qemuInfo(file, 'vdi')['virtual-size'], r.virtualSize, `disk size ${size}`);
    }
  });

  test('qemu-img check finds no errors in the hand-made qcow2 and VDI samples', (t) => {
    if (skipWithout(t)) return;
    for (const [name, bytes, format] of [['c2.qcow2', img.qcow2V2(), 'qcow2'], ['c3.qcow2', img.qcow2V3(), 'qcow2'], ['c.vdi', img.vdi(), 'vdi']] as const) {
      const res = spawnSync(QEMU_IMG, ['check', '-f', format, img.writeImage(dir, name, bytes)]);
      assert.equal(res.status, 0, `${name}: ${res.stdout}${res.stderr}`);
    }
  });
});
