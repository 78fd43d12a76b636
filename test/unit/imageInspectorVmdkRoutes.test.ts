// Issue 8: a VMDK that looks like a single-file monolithicSparse image but that QEMU reads as a
// descriptor file (sparse header of capacity 0, block/vmdk.c vmdk_open_vmdk4), whose extent is
// another file beside the image. The real qemu-img is the oracle: for every variant it must open
// the other file (so the sample is what it claims), and the inspector must refuse it, naming it.
import { after, before, describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectBytes, inspectImage } from '../../src/core/image/imageInspector';
import { qemuDescriptionValue, qemuExtents, qemuProbesTextAsVmdk } from '../../src/core/image/inspectVmdk';
import * as img from '../helpers/hostileImages';

const QEMU_IMG = process.env.QEMU_IMG ?? 'qemu-img';
const haveQemuImg = spawnSync(QEMU_IMG, ['--version']).status === 0;
const skipWithout = (t: TestContext): boolean => {
  if (!haveQemuImg) t.skip('qemu-img is not installed (scripts/install-system-deps.sh installs it)');
  return !haveQemuImg;
};

interface VmdkInfo { 'create-type'?: string; extents?: { filename: string }[] }
/** qemu-img info's VMDK facts, or its error text. */
function qemuVmdk(file: string): VmdkInfo | string {
  const r = spawnSync(QEMU_IMG, ['info', '-f', 'vmdk', '--output=json', file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) return r.stderr.trim();
  return (JSON.parse(r.stdout) as { 'format-specific': { data: VmdkInfo } })['format-specific'].data;
}

let dir: string;
before(() => {
  dir = img.makeTempDir('qdt-vmdk-');
  fs.writeFileSync(path.join(dir, 'x.bin'), Buffer.alloc(4096, 'decoy '));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'x.bin'), Buffer.alloc(4096, 'decoy '));
});
after(() => img.removeTempDir(dir));

describe('capacity 0: QEMU reads the embedded descriptor as a descriptor file', () => {
  // [name, sample, the other file qemu-img opens (relative to dir), what the refusal says]
  const cases: [string, Buffer, string, RegExp][] = [
    ['createType hidden in a comment', img.vmdkCapacityZero(), 'x.bin', /extent 'x\.bin' is a separate file/],
    ['createType hidden in a field line', img.vmdkCapacityZero({ first: ['createType= monolithicFlat"'] }), 'x.bin', /extent 'x\.bin' is a separate file/],
    ['plain monolithicFlat', img.vmdkCapacityZero({ first: [], createType: 'monolithicFlat' }), 'x.bin', /type monolithicFlat/],
    ['./ name', img.vmdkCapacityZero({ extents: ['RW 8 FLAT "./x.bin" 0'] }), './x.bin', /extent '\.\/x\.bin' is a file in another folder/],
    ['name in a sub-folder', img.vmdkCapacityZero({ extents: ['RW 8 FLAT "sub/x.bin" 0'] }), 'sub/x.bin', /extent 'sub\/x\.bin'/],
    ['VMFS extent', img.vmdkCapacityZero({ extents: ['RW 8 VMFS "x.bin"'] }), 'x.bin', /extent 'x\.bin'/],
    ['extent line spread over two lines', img.vmdkCapacityZero({ extents: ['RW', '8 FLAT "x.bin" 0'] }), 'x.bin', /extent 'x\.bin'/],
  ];
  for (const [what, bytes, other, message] of cases) {
    test(`${what}: qemu-img opens ${other} beside the image; the inspector refuses, naming it`, async (t) => {
      const file = img.writeImage(dir, 'capacity0.vmdk', bytes);
      const r = await inspectImage(file);
      assert.equal(r.format, 'vmdk');
      assert.deepEqual(r.issues.map((i) => i.code), ['vmdk-extent-file']);
      assert.match(r.refusals[0], /^capacity0\.vmdk is a VMDK whose sparse header has capacity 0/);
      assert.match(r.refusals[0], message);
      if (skipWithout(t)) return;
      const info = qemuVmdk(file);
      assert.ok(typeof info !== 'string', info as string);
      assert.deepEqual(info.extents?.map((e) => e.filename), [`${dir}/${other}`]); // QEMU joins folder and name as written
    });
  }

  test('an absolute name is refused as a host file; qemu-img opens it', async (t) => {
    const file = img.writeImage(dir, 'abs.vmdk', img.vmdkCapacityZero({ extents: [`RW 8 FLAT "${path.join(dir, 'x.bin')}" 0`] }));
    const r = await inspectImage(file);
    assert.match(r.refusals[0], /is a host file named by absolute path/);
    if (skipWithout(t)) return;
    const info = qemuVmdk(file);
    assert.deepEqual(typeof info === 'string' ? info : info.extents?.map((e) => e.filename), [path.join(dir, 'x.bin')]);
  });

  test('nbd: and json: names are refused; qemu-img 7.2 reads them as file names in the folder', async (t) => {
    for (const name of ['nbd:127.0.0.1:1', 'json:{driver:file}']) {
      const file = img.writeImage(dir, 'proto.vmdk', img.vmdkCapacityZero({ extents: [`RW 8 FLAT "${name}" 0`] }));
      const r = await inspectImage(file);
      assert.ok(r.refusals[0].includes(`extent '${name}' is a separate file`), r.refusals[0]);
      if (skipWithout(t)) continue;
      assert.match(String(qemuVmdk(file)), new RegExp(`Could not open '${dir}/${name.replace(/[{}]/g, '\\$&')}'`));
    }
  });

  test('extents QEMU skips (RDONLY, lower-case rw) leave nothing to open: still refused, as damaged', async (t) => {
    for (const line of ['RDONLY 8 FLAT "x.bin" 0', 'rw 8 FLAT "x.bin" 0', 'RW 0 FLAT "x.bin" 0']) {
      const r = await inspectBytes(img.vmdkCapacityZero({ extents: [line] }), 'none.vmdk');
      assert.deepEqual(r.issues.map((i) => i.code), ['vmdk-descriptor'], line);
      assert.match(r.refusals[0], /names no extent QEMU could open/);
    }
    if (skipWithout(t)) return;
    const info = qemuVmdk(img.writeImage(dir, 'none.vmdk', img.vmdkCapacityZero({ extents: ['RDONLY 8 FLAT "x.bin" 0'] })));
    assert.ok(typeof info === 'string', 'qemu-img opened a descriptor without RW extents');
  });

  test('the same image with its capacity stated is a single-file image to qemu-img and to the inspector', async (t) => {
    const bytes = img.vmdkCapacityZero({ first: [], extents: ['RW 131072 SPARSE "disk.vmdk"'] });
    bytes.writeBigUInt64LE(131072n, 12);
    const file = img.writeImage(dir, 'stated.vmdk', bytes);
    assert.deepEqual((await inspectImage(file)).issues, []);
    if (skipWithout(t)) return;
    const info = qemuVmdk(file);
    assert.ok(typeof info !== 'string', info as string);
    assert.deepEqual([info['create-type'], info.extents?.map((e) => e.filename)], ['monolithicSparse', [file]]);
  });
});

describe("QEMU's descriptor readers, as the inspector reproduces them", () => {
  test('createType: first occurrence, case-sensitive, two characters skipped unchecked (vmdk_parse_description)', () => {
    assert.equal(qemuDescriptionValue('# createType: monolithicFlat"\ncreateType="monolithicSparse"', 'createType'), 'monolithicFlat');
    assert.equal(qemuDescriptionValue('createtype="vmfs"\nCreateType="vmfs"', 'createType'), undefined);
    assert.equal(qemuDescriptionValue('createType = "vmfs"', 'createType'), ' ');
    assert.equal(qemuDescriptionValue('createType="vmfs', 'createType'), undefined);
    assert.equal(qemuDescriptionValue(`createType="${'a'.repeat(128)}"`, 'createType'), undefined);
    assert.equal(qemuDescriptionValue(`createType="${'a'.repeat(127)}"`, 'createType'), 'a'.repeat(127));
  });

  test('extent lines: RW only, known types, sectors > 0, FLAT needs an offset (vmdk_parse_extents)', () => {
    const desc = [
      'RW 8 FLAT "a" 0', 'RDONLY 8 FLAT "b" 0', 'NOACCESS 8 FLAT "c" 0', 'RW 0 SPARSE "d"', 'RW 8 ZERO "e"',
      'RW 8 SPARSE "f"', 'RW 8 VMFSSPARSE "g"', 'RW 8 SESPARSE "h"', '  RW   8   VMFS   "i"', 'RW 8 FLAT "x"',
    ].join('\n');
    assert.deepEqual(qemuExtents(desc), {
      extents: ['FLAT a', 'SPARSE f', 'VMFSSPARSE g', 'SESPARSE h', 'VMFS i'].map((s) => ({ type: s.split(' ')[0], file: s.split(' ')[1] })),
      invalid: 'RW 8 FLAT "x"',
    });
    assert.deepEqual(qemuExtents('RW 8 SPARSE "a" 5').invalid, 'RW 8 SPARSE "a" 5');
    assert.deepEqual(qemuExtents('RW 8 FLAT "a\rb" 0').extents, []); // the name stops at CR: no closing quote, 4 matches
  });

  test('vmdk_probe takes text only when a version line comes first (after comments and blank-only lines)', () => {
    const yes = ['version=1\n', '# Disk DescriptorFile\nversion=1\n', '   \nversion=3\r\n', '#a\n#b\n  \r\nversion=2\nanything'];
    const no = ['', 'createType="monolithicFlat"\nversion=1\n', '\nversion=1\n', 'version=4\n', 'version=1', ' x\nversion=1\n', 'Version=1\n', 'version=1 \n'];
    for (const s of yes) assert.ok(qemuProbesTextAsVmdk(Buffer.from(s)), JSON.stringify(s));
    for (const s of no) assert.ok(!qemuProbesTextAsVmdk(Buffer.from(s)), JSON.stringify(s));
  });
});
