// Core's one verdict (imageVerdict.ts), used by `inspect`, Show Disk Image Info and `convert`:
// safe only when the inspection and qemu-img info on the pinned open file agree that the image
// names no other file.
import { after, before, describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectBytes } from '../../src/core/image/imageInspector';
import { examineImage, infoProblems, otherFileFailure } from '../../src/core/image/imageVerdict';
import { openImage } from '../../src/core/image/inspectRead';
import { imageInfo, type ImageInfo } from '../../src/core/image/qemuImg';
import * as img from '../helpers/hostileImages';
import { NO_QEMU_IMG, QEMU_IMG, qemuImg } from '../helpers/qemuImgFixtures';

let dir: string;
before(() => {
  dir = img.makeTempDir('qdt-verdict-');
  fs.writeFileSync(path.join(dir, 'x.bin'), Buffer.alloc(4096, 'decoy '));
});
after(() => img.removeTempDir(dir));
const skipWithout = (t: TestContext): boolean => {
  if (!QEMU_IMG) t.skip(NO_QEMU_IMG);
  return !QEMU_IMG;
};

const info = (over: Partial<ImageInfo>): ImageInfo => ({
  path: '/proc/self/fd/3', format: 'vmdk', virtualSize: 4096, dirty: false, corrupt: false, encrypted: false,
  backingChain: [], snapshots: [], createType: 'monolithicSparse', extents: ['/proc/self/fd/3'], ...over,
});

describe('what qemu-img info shows that makes an image unsafe', () => {
  test('extents other than the pinned image itself, named as the descriptor wrote them', async () => {
    const inspected = await inspectBytes(img.vmdkSparse({ virtualSize: 4096 }), 'd.vmdk');
    assert.deepEqual(infoProblems(info({}), inspected, '/proc/self/fd/3'), []);
    const problems = infoProblems(info({ createType: 'monolithicFlat', extents: ['/proc/self/fd/x.bin', '/etc/passwd'] }), inspected, '/proc/self/fd/3');
    assert.deepEqual(problems.map((p) => p.text), [
      "extent 'x.bin' is a separate file",
      "extent '/etc/passwd' is a separate file",
      'VMDK create type "monolithicFlat" may reference other files; only monolithicSparse and streamOptimized are accepted',
    ]);
  });

  test('a backing file, a data file, another format or size: each is a problem of its own kind', async () => {
    const inspected = await inspectBytes(img.qcow2V3(), 'd.qcow2');
    const kinds = infoProblems(info({ format: 'qcow2', extents: undefined, virtualSize: 1, backingFile: 'b', dataFile: 'd' }), inspected, '/x').map((p) => p.kind);
    assert.deepEqual(kinds, ['backing-file', 'data-file', 'disagrees']);
    assert.deepEqual(infoProblems(info({ format: 'raw', extents: undefined }), inspected, '/x').map((p) => p.kind), ['disagrees', 'disagrees']);
  });
});

describe('examineImage: one pinned open file for the inspector and qemu-img info', () => {
  test('a safe qcow2: qemu-img info reads /proc/self/fd/3, the result names the image by its path', async (t) => {
    if (skipWithout(t)) return;
    const file = path.join(dir, 'ok.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', file, '1M');
    const lines: string[] = [];
    const v = await examineImage(file, { log: (l) => lines.push(l) });
    assert.equal(v.safe, true, JSON.stringify(v));
    assert.equal(v.info?.path, file);
    assert.ok(lines.some((l) => / info -f qcow2 --output=json \/proc\/self\/fd\/3$/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(file)), 'the path itself is never given to qemu-img');
  });

  test('a monolithicSparse VMDK made by qemu-img: its one extent is itself, so it is safe', async (t) => {
    if (skipWithout(t)) return;
    const file = path.join(dir, 'ok.vmdk');
    qemuImg('create', '-q', '-f', 'vmdk', file, '1M');
    const v = await examineImage(file);
    assert.deepEqual([v.safe, v.infoProblems, v.info?.extents], [true, [], [file]]);
  });

  test('the capacity-0 VMDK: refused by the inspector, qemu-img info never starts', async () => {
    const file = img.writeImage(dir, 'capacity0.vmdk', img.vmdkCapacityZero());
    const v = await examineImage(file, { qemuImgPath: '/nonexistent/qemu-img' });
    assert.equal(v.safe, false);
    assert.equal(v.info, undefined);
    assert.match(v.infoError ?? '', /not run/);
    assert.match(v.inspection.refusals[0], /extent 'x\.bin' is a separate file/);
  });

  test("qemu-img failing to open a file the image names is said so, not 'may have been moved or deleted'", async (t) => {
    if (skipWithout(t)) return;
    // Straight to qemu-img info on the pinned file, as if the inspector had let it through.
    const file = img.writeImage(dir, 'capacity0.vmdk', img.vmdkCapacityZero());
    const pinned = await openImage(file);
    try {
      const e = await imageInfo('/proc/self/fd/3', { format: 'vmdk', inheritFd: pinned.fd, label: file }).then(() => undefined, (err: unknown) => err);
      assert.ok(e instanceof Error);
      assert.match(e.message, /moved or deleted/, 'the message this replaces');
      assert.equal(otherFileFailure(e, '/proc/self/fd/3', file), "qemu-img tried to open 'x.bin', another file that the image names");
    } finally {
      await pinned.close();
    }
  });
});
