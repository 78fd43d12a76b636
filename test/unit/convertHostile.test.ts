// Hostile images (OSSA-2015-011, -2016-001, -2023-002, -2024-001/002) must be refused before
// any qemu-img process starts: qemuImgPath points at a wrapper that records every call.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, convertImage } from '../../src/core/convert';
import { NO_QEMU_IMG, QEMU_IMG, qemuImg, recordingQemuImg, rejectsWith, tmpDir } from '../helpers/qemuImgFixtures';

type Build = (dir: string) => { file: string; declared?: string };

function patch(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, offset);
  fs.closeSync(fd);
}

const flatDescriptor = (createType: string) =>
  [
    '# Disk DescriptorFile',
    'version=1',
    'CID=fffffffe',
    'parentCID=ffffffff',
    `createType="${createType}"`,
    '',
    '# Extent description',
    'RW 2048 FLAT "/etc/passwd" 0',
    '',
    '# The Disk Data Base',
    '#DDB',
    'ddb.virtualHWVersion = "4"',
    'ddb.adapterType = "ide"',
    '',
  ].join('\n');

const HOSTILE: [string, Build][] = [
  ['qcow2 whose backing file is /etc/passwd', (dir) => {
    const file = path.join(dir, 'backing.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', file, '1M');
    return { file };
  }],
  ['qcow2 with the external data-file bit set', (dir) => {
    const file = path.join(dir, 'datafile.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', file, '1M');
    patch(file, 72 + 7, Buffer.from([0x04])); // incompatible_features bit 2
    return { file };
  }],
  ['VMDK text descriptor whose flat extent is /etc/passwd', (dir) => {
    const file = path.join(dir, 'flat.vmdk');
    fs.writeFileSync(file, flatDescriptor('monolithicFlat'));
    return { file };
  }],
  ['sparse VMDK whose embedded descriptor names /etc/passwd', (dir) => {
    const file = path.join(dir, 'sparse.vmdk');
    qemuImg('create', '-q', '-f', 'vmdk', file, '1M');
    const desc = Buffer.alloc(1024);
    desc.write(flatDescriptor('monolithicSparse'));
    patch(file, 0x200, desc);
    return { file };
  }],
  ['a "raw" image that holds a qcow2 header (with a backing file)', (dir) => {
    const file = path.join(dir, 'disk.raw');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', file, '1M');
    return { file, declared: 'raw' };
  }],
  ['a "raw" image that holds a plain qcow2 header', (dir) => {
    const file = path.join(dir, 'plain.raw');
    qemuImg('create', '-q', '-f', 'qcow2', file, '1M');
    return { file, declared: 'raw' };
  }],
  ['QED', (dir) => {
    const file = path.join(dir, 'disk.qed');
    qemuImg('create', '-q', '-f', 'qed', file, '1M');
    return { file };
  }],
  ['qcow version 1', (dir) => {
    const file = path.join(dir, 'disk.qcow');
    qemuImg('create', '-q', '-f', 'qcow', file, '1M');
    return { file };
  }],
  ['two formats at once (qcow2 and ISO 9660)', (dir) => {
    const file = path.join(dir, 'both.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', file, '1M');
    patch(file, 32768, Buffer.from('\x01CD001\x01', 'latin1')); // inside the unused rest of the header cluster
    return { file };
  }],
];

for (const [name, build] of HOSTILE) {
  test(`refused before qemu-img runs: ${name}`, async (t) => {
    if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
    const dir = tmpDir(t);
    const { file, declared } = build(dir);
    const before = fs.readFileSync(file);
    const rec = recordingQemuImg(dir);
    const target = path.join(dir, 'out.raw');
    const e = await rejectsWith(
      convertImage({ source: file, sourceFormat: declared, target, targetFormat: 'raw', qemuImgPath: rec.path }),
      ConvertError,
      'refused',
    );
    assert.equal(e.file, file);
    assert.match(e.message, new RegExp(`^Refused to convert ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+qemu-img was not run`));
    assert.deepEqual(rec.calls(), [], 'qemu-img was started');
    assert.ok(!fs.existsSync(target) && !fs.existsSync(`${target}.part`));
    assert.deepEqual(fs.readFileSync(file), before);
  });
}

test('a backing file allowed by the setting is still refused when it is a protocol', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const file = path.join(dir, 'nbd.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'nbd:localhost:10809', '-F', 'raw', file, '1M');
  const rec = recordingQemuImg(dir);
  const e = await rejectsWith(
    convertImage({ source: file, target: path.join(dir, 'o.raw'), targetFormat: 'raw', allowBackingFile: true, qemuImgPath: rec.path }),
    ConvertError,
    'refused',
  );
  assert.match(e.message, /protocol or json: specification/);
  assert.deepEqual(rec.calls().map((c) => c.args[0]).filter((a) => a === 'convert'), []);
});
