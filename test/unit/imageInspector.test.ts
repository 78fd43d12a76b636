import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ImageOpenError, inspectBytes, inspectImage, inspectSource, type ByteSource, type InspectResult } from '../../src/core/image/imageInspector';
import * as img from '../helpers/hostileImages';

const codes = (r: InspectResult): string[] => r.issues.map((i) => i.code);

let dir: string;
before(() => { dir = img.makeTempDir(); });
after(() => img.removeTempDir(dir));

describe('hostile images are refused', () => {
  for (const sample of img.hostileSamples()) {
    test(`${sample.name}: ${sample.description}`, async () => {
      const file = img.writeImage(dir, sample.name, sample.bytes);
      const r = await inspectImage(file, { declaredFormat: sample.declaredFormat });
      assert.ok(codes(r).includes(sample.reason), `expected ${sample.reason}, got ${codes(r).join(', ') || 'no refusal'}`);
      assert.equal(r.refusals.length, r.issues.length);
      for (const message of r.refusals) {
        assert.ok(message.startsWith(sample.name), `message should name the file: ${message}`);
        assert.match(message, /qemu-img must not open it/);
      }
    });
  }

  test('the backing-file refusal names the host file and the danger', async () => {
    const r = await inspectImage(img.writeImage(dir, 'disk.qcow2', img.qcow2WithBackingFile('/etc/passwd')));
    assert.deepEqual(r.refusals, [
      'disk.qcow2 names a backing file (/etc/passwd): qemu-img would read that host file into the converted image. qemu-img must not open it.',
    ]);
  });

  test('the data-file refusal names the file from the header extension', async () => {
    const r = await inspectBytes(img.qcow2WithDataFile('/etc/shadow'), 'd.qcow2');
    assert.deepEqual(codes(r), ['data-file']);
    assert.match(r.refusals[0], /external data file \(\/etc\/shadow\)/);
  });

  test('a data-file header extension without the incompatible bit is refused too', async () => {
    const bytes = img.qcow2WithDataFile('/etc/passwd');
    bytes[79] &= ~0x04;
    assert.deepEqual(codes(await inspectBytes(bytes)), ['data-file']);
  });

  test('VMDK extent paths are quoted in the refusal', async () => {
    const r = await inspectBytes(img.vmdkSparseWithPathExtent('/root/.ssh/id_rsa'), 'x.vmdk');
    assert.match(r.refusals.join('\n'), /\/root\/\.ssh\/id_rsa/);
  });

  test('control characters from a header are escaped, not printed', async () => {
    const r = await inspectBytes(img.qcow2WithBackingFile('/etc/passwd\u001b[2J\nfake line'), 'e.qcow2');
    assert.equal(r.refusals.length, 1);
    assert.ok(!/[\u0000-\u001f]/.test(r.refusals[0]));
    assert.match(r.refusals[0], /\\x1b\[2J\\x0afake line/);
  });

  test('qcow2 unknown incompatible bits: bit 5 refused, defined bits 0-4 (incl. extended L2) accepted', async () => {
    assert.deepEqual(codes(await inspectBytes(img.qcow2({ incompatibleFeatures: 1n << 5n }))), ['unknown-features']);
    assert.deepEqual(codes(await inspectBytes(img.qcow2({ incompatibleFeatures: 0b11011n }))), []);
  });

  test('a text descriptor claiming monolithicSparse is refused (its data lives elsewhere)', async () => {
    const r = await inspectBytes(img.vmdkTextDescriptor(), 'd.vmdk');
    assert.equal(r.format, 'vmdk');
    assert.deepEqual(codes(r), ['vmdk-descriptor']);
  });

  test('a VMDK descriptor with a line that is neither a field, an extent nor ddb is refused', async () => {
    const r = await inspectBytes(img.vmdkSparse({ descriptor: { extents: ['RW 131072 SPARSE "disk.vmdk"', 'include "/etc/passwd"'] } }));
    assert.deepEqual(codes(r), ['vmdk-descriptor']);
    assert.match(r.refusals[0], /include/);
  });

  test('a VMDK descriptor without extents is refused', async () => {
    assert.deepEqual(codes(await inspectBytes(img.vmdkSparse({ descriptor: { extents: [] } }))), ['vmdk-descriptor']);
  });

  test('streamOptimized footer inconsistencies are refused', async () => {
    const good = img.vmdkStreamOptimized();
    const eos = Buffer.from(good);
    eos[eos.length - 500] = 1;
    const version = Buffer.from(good);
    version.writeUInt32LE(2, version.length - 1024 + 4);
    const marker = Buffer.from(good);
    marker.writeUInt32LE(7, marker.length - 1536 + 12);
    for (const bad of [eos, version, marker, img.truncated(good, good.length - 1536)]) {
      assert.deepEqual(codes(await inspectBytes(bad)), ['vmdk-footer']);
    }
  });

  test('MBR checks: bad boot flag, protective GPT entry with company, no partitions', async () => {
    const flag = img.mbrDisk();
    flag[446] = 0x12;
    const gpt = img.gptDisk();
    img.mbrPartition(gpt, 1, { type: 0x83, startLba: 2048, sectors: 100 });
    const none = img.mbrDisk();
    none.fill(0, 446, 510);
    for (const bad of [flag, gpt, none]) {
      const r = await inspectBytes(bad);
      assert.equal(r.format, 'gpt');
      assert.deepEqual(codes(r), ['mbr-invalid']);
    }
  });

  test('a VMDK with an unknown sparse version is refused', async () => {
    const bytes = img.vmdkMonolithicSparse();
    bytes.writeUInt32LE(9, 4);
    assert.deepEqual(codes(await inspectBytes(bytes)), ['unsupported-version']);
  });

  test('a qcow2 virtual size beyond 2^53 is refused', async () => {
    const bytes = img.qcow2V3();
    bytes.writeBigUInt64BE(0xfff0000000000000n, 24);
    assert.deepEqual(codes(await inspectBytes(bytes)), ['implausible-size']);
  });
});

describe('well-formed images are detected with their virtual size', () => {
  for (const sample of img.wellFormedSamples()) {
    test(`${sample.name} → ${sample.format}`, async () => {
      const r = await inspectImage(img.writeImage(dir, sample.name, sample.bytes));
      assert.deepEqual(
        { format: r.format, qemuFormat: r.qemuFormat, virtualSize: r.virtualSize, refusals: r.refusals },
        { format: sample.format, qemuFormat: sample.qemuFormat, virtualSize: sample.virtualSize, refusals: [] },
      );
      assert.equal(r.path, path.join(dir, sample.name));
      assert.equal(r.fileKind, 'file');
    });
  }

  test('a bootable ISO with a partition table is one image (iso), not two formats', async () => {
    const r = await inspectBytes(img.isoHybrid());
    assert.deepEqual(r.formatsFound, ['iso']);
    assert.deepEqual(r.refusals, []);
  });

  test('plain text and random bytes are raw', async () => {
    const text = Buffer.from('hello world, this is not a disk image, just a long enough line of text\n'.repeat(20));
    const random = Buffer.alloc(70000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    for (const bytes of [text, random]) {
      const r = await inspectBytes(bytes);
      assert.equal(r.format, 'raw');
      assert.equal(r.virtualSize, bytes.length);
      assert.deepEqual(r.refusals, []);
    }
  });
});

describe('declared format', () => {
  test('qcow2 content declared raw is refused with the reason in words', async () => {
    const r = await inspectImage(img.writeImage(dir, 'ubuntu-cloud.img', img.rawHoldingQcow2()), { declaredFormat: 'raw' });
    assert.equal(r.format, 'qcow2');
    assert.deepEqual(codes(r), ['format-mismatch']);
    assert.match(r.refusals[0], /^ubuntu-cloud\.img was declared raw but its content is a qcow2 image/);
    assert.match(r.refusals[0], /cloud images named \.img are often qcow2/);
  });

  test('raw content declared qcow2 is refused', async () => {
    const r = await inspectBytes(Buffer.alloc(4096), 'x.qcow2', { declaredFormat: 'qcow2' });
    assert.deepEqual(codes(r), ['format-mismatch']);
    assert.match(r.refusals[0], /declared qcow2 but its content is raw data/);
  });

  const agreeing: Array<[string, Buffer, string]> = [
    ['raw', img.gptDisk(), 'gpt'],
    ['raw', img.mbrDisk(), 'gpt'],
    ['raw', img.iso(), 'iso'],
    ['raw', img.fatVbr(), 'raw'],
    ['qcow2', img.qcow2V2(), 'qcow2'],
    [' QCOW2 ', img.qcow2V3(), 'qcow2'],
    ['vmdk', img.vmdkStreamOptimized(), 'vmdk'],
    ['vpc', img.vhd(), 'vhd'],
    ['vhd', img.vhd(), 'vhd'],
    ['vhdx', img.vhdx(), 'vhdx'],
    ['vdi', img.vdi(), 'vdi'],
    ['luks', img.luks1(), 'luks'],
  ];
  for (const [declared, bytes, format] of agreeing) {
    test(`${format} content declared "${declared}" is accepted`, async () => {
      const r = await inspectBytes(bytes, 'x', { declaredFormat: declared });
      assert.equal(r.format, format);
      assert.deepEqual(r.refusals, []);
    });
  }

  const disagreeing: Array<[string, Buffer]> = [
    ['vpc', img.vhdx()], ['vhdx', img.vhd()], ['vdi', img.qcow2V3()], ['vmdk', img.qcow2V3()], ['qcow2', img.vmdkMonolithicSparse()],
    ['luks', Buffer.alloc(4096)], ['raw', img.vhd()], ['raw', img.luks1()],
  ];
  for (const [declared, bytes] of disagreeing) {
    test(`declared ${declared} on other content is refused`, async () => {
      assert.ok(codes(await inspectBytes(bytes, 'x', { declaredFormat: declared })).includes('format-mismatch'));
    });
  }

  test('a blank declared format counts as not declared', async () => {
    for (const declared of ['', '  ']) {
      const r = await inspectBytes(img.qcow2V3(), 'x', { declaredFormat: declared });
      assert.equal(r.format, 'qcow2');
      assert.deepEqual(r.refusals, []);
    }
  });

  test('a declared format this tool does not convert from is refused', async () => {
    for (const declared of ['qed', 'qcow', 'parallels', 'dmg', 'nbd:evil']) {
      const r = await inspectBytes(Buffer.alloc(4096), 'x', { declaredFormat: declared });
      assert.deepEqual(codes(r), ['unknown-declared-format']);
    }
  });

  test('a fixed VHD is raw data unless declared vpc, then it is a VHD with the footer size', async () => {
    const fixed = img.vhd({ fixed: true, virtualSize: 2 * img.MiB });
    const undeclared = await inspectBytes(fixed);
    assert.equal(undeclared.format, 'raw');
    assert.equal(undeclared.virtualSize, fixed.length);
    const declared = await inspectBytes(fixed, 'f.vhd', { declaredFormat: 'vpc' });
    assert.equal(declared.format, 'vhd');
    assert.equal(declared.virtualSize, 2 * img.MiB);
    assert.deepEqual(declared.refusals, []);
  });
});

describe('truncated and empty images', () => {
  const cuts = [1, 2, 3, 4, 5, 7, 8, 9, 16, 20, 31, 32, 33, 48, 63, 64, 65, 72, 100, 104, 112, 200, 511, 512, 513, 600, 1024,
    1536, 4096, 32768, 32770, 32774, 34816, 65535, 65536, 100000, 196608 + 16, 262144 + 100,
    2 * img.MiB + 4, 2 * img.MiB + 10, 2 * img.MiB + 31, 2 * img.MiB + 100, 2 * img.MiB + 65536 + 4];
  const all = [...img.hostileSamples(), ...img.wellFormedSamples()];
  test('no cut of any sample makes the inspector throw', async () => {
    for (const sample of all) {
      for (const cut of cuts.filter((c) => c < sample.bytes.length)) {
        const r = await inspectBytes(img.truncated(sample.bytes, cut), sample.name);
        assert.equal(r.refusals.length, r.issues.length, `${sample.name} cut at ${cut}`);
        assert.ok(!codes(r).includes('unparseable'), `${sample.name} cut at ${cut}: ${r.refusals.join(' ')}`);
      }
    }
  });

  test('random byte changes and cuts never make a detector fail (seeded, reproducible)', async () => {
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n);
    };
    for (const sample of all) {
      for (let round = 0; round < 60; round++) {
        let bytes: Buffer = Buffer.from(sample.bytes);
        for (let k = 1 + rand(8); k > 0; k--) {
          const at = rand(10) < 7 ? rand(Math.min(1024, bytes.length)) : rand(bytes.length);
          bytes[at] = rand(10) < 3 ? 0xff : rand(256);
        }
        if (rand(10) < 3) bytes = img.truncated(bytes, rand(bytes.length));
        const r = await inspectBytes(bytes, sample.name);
        assert.ok(!codes(r).includes('unparseable'), `${sample.name} round ${round}: ${r.refusals.join(' ')}`);
      }
    }
  });

  test('a failure inside a detector is a refusal, not a crash and not raw', async () => {
    const bytes = img.vhdx();
    const src: ByteSource = {
      size: bytes.length,
      read: async (offset, length) => {
        if (offset > 64 * 1024) throw new RangeError('simulated parser failure');
        return bytes.subarray(offset, offset + length);
      },
    };
    const r = await inspectSource(src, 'broken.vhdx');
    assert.deepEqual(codes(r), ['unparseable']);
    assert.match(r.refusals[0], /^broken\.vhdx has a header this tool could not parse/);
  });

  const headerCuts: Array<[string, Buffer, number, string]> = [
    ['qcow2 v3', img.qcow2V3(), 90, 'qcow2'],
    ['qcow2 v2', img.qcow2V2(), 40, 'qcow2'],
    ['qcow2 magic only', img.qcow2V3(), 6, 'qcow2'],
    ['VHD', img.vhd(), 50, 'vhd'],
    ['VDI', img.vdi(), 0x100, 'vdi'],
    ['VHDX', img.vhdx(), 100 * 1024, 'vhdx'],
    ['LUKS', img.luks1(), 60, 'luks'],
    ['VMDK sparse', img.vmdkMonolithicSparse(), 40, 'vmdk'],
  ];
  for (const [what, bytes, cut, format] of headerCuts) {
    test(`${what} cut mid-header is refused as truncated`, async () => {
      const r = await inspectBytes(img.truncated(bytes, cut), 'cut.img');
      assert.equal(r.format, format);
      assert.ok(codes(r).includes('truncated'), codes(r).join(', '));
      assert.match(r.refusals.join('\n'), /cut\.img .*(cut short|missing or damaged)/);
    });
  }

  test('a qcow2 cut after its backing-file pointer is still refused for the backing file', async () => {
    const r = await inspectBytes(img.truncated(img.qcow2WithBackingFile(), 40));
    assert.deepEqual(codes(r).sort(), ['backing-file', 'truncated']);
  });

  test('an empty file is raw data of size 0 with nothing to refuse (qemu-img and oslo.utils call it raw)', async () => {
    const r = await inspectImage(img.writeImage(dir, 'empty.img', Buffer.alloc(0)));
    assert.deepEqual([r.format, r.qemuFormat, r.virtualSize, codes(r)], ['raw', 'raw', 0, []]);
  });
});

describe('files that are not images', () => {
  async function openError(p: string): Promise<ImageOpenError> {
    try {
      await inspectImage(p);
    } catch (err) {
      assert.ok(err instanceof ImageOpenError, String(err));
      return err;
    }
    assert.fail(`inspecting ${p} should have thrown`);
  }

  test('a missing file throws ImageOpenError(not-found) naming it', async () => {
    const p = path.join(dir, 'no-such.qcow2');
    const err = await openError(p);
    assert.equal(err.kind, 'not-found');
    assert.equal(err.path, p);
    assert.match(err.message, /no-such\.qcow2 does not exist/);
  });

  test('a directory throws ImageOpenError(not-a-file)', async () => {
    const err = await openError(dir);
    assert.equal(err.kind, 'not-a-file');
    assert.match(err.message, /is a directory/);
  });

  test('a character device is refused without reading it', async (t) => {
    if (!fs.existsSync('/dev/zero')) return t.skip('no /dev/zero on this system');
    const err = await openError('/dev/zero');
    assert.equal(err.kind, 'not-a-file');
    assert.match(err.message, /character device/);
  });

  test('a FIFO is refused at once instead of waiting for a writer', { timeout: 5000 }, async (t) => {
    const fifo = path.join(dir, 'pipe.img');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return t.skip('mkfifo is not available');
    }
    const err = await openError(fifo);
    assert.equal(err.kind, 'not-a-file');
    assert.match(err.message, /named pipe/);
  });

  test('a Unix socket is refused as not a file', async (t) => {
    if (process.platform === 'win32') return t.skip('no Unix sockets on Windows');
    const sock = path.join(dir, 'api.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const err = await openError(sock);
      assert.equal(err.kind, 'not-a-file');
      assert.match(err.message, /is a socket/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('an unreadable file throws ImageOpenError(permission)', async (t) => {
    if (process.getuid?.() === 0 || process.platform === 'win32') return t.skip('root (or Windows) can read any file');
    const p = img.writeImage(dir, 'secret.qcow2', img.qcow2V3());
    fs.chmodSync(p, 0o000);
    const err = await openError(p);
    assert.equal(err.kind, 'permission');
    assert.match(err.message, /permission denied/);
  });

  test('a symbolic link to an image is inspected as the image', async () => {
    const target = img.writeImage(dir, 'target.qcow2', img.qcow2WithBackingFile());
    const link = path.join(dir, 'link.qcow2');
    fs.symlinkSync(target, link);
    const r = await inspectImage(link);
    assert.deepEqual(codes(r), ['backing-file']);
  });
});

describe('awkward file names', () => {
  const names = ['disk with spaces.qcow2', 'диск-образ ✓.qcow2', '-rf.qcow2', '--help', 'nbd:localhost:10809', 'json:{"driver":"qcow2"}.img'];
  for (const name of names) {
    test(`"${name}" is read as a plain file and named in refusals`, async () => {
      const r = await inspectImage(img.writeImage(dir, name, img.qcow2WithBackingFile()));
      assert.equal(r.path, path.join(dir, name));
      assert.ok(path.isAbsolute(r.path));
      assert.deepEqual(codes(r), ['backing-file']);
      assert.ok(r.refusals[0].startsWith(`${name} names a backing file`));
    });
  }

  test('a relative path is resolved to an absolute one', async () => {
    img.writeImage(dir, 'rel.qcow2', img.qcow2V2());
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await inspectImage('rel.qcow2');
      assert.equal(r.path, path.join(fs.realpathSync(dir), 'rel.qcow2'));
      assert.equal(r.format, 'qcow2');
    } finally {
      process.chdir(cwd);
    }
  });

  test('a newline in a file name is escaped in messages', async () => {
    const r = await inspectImage(img.writeImage(dir, 'evil\nname.qcow2', img.qcow2WithBackingFile()));
    assert.ok(r.refusals[0].startsWith('evil\\x0aname.qcow2 names'));
  });
});

describe('how much is read', () => {
  test('no image costs more than 1.2 MiB of reads, and a plain raw disk only its first 64 KiB', async () => {
    const counting = (bytes: Buffer): ByteSource & { total: number } => {
      const src = {
        size: bytes.length,
        total: 0,
        read: async (offset: number, length: number) => {
          const part = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
          src.total += part.length;
          return part;
        },
      };
      return src;
    };
    const big = Buffer.alloc(8 * img.MiB);
    for (const sample of [...img.hostileSamples(), ...img.wellFormedSamples(), { name: 'big', bytes: big }]) {
      const src = counting(Buffer.concat([sample.bytes, big]));
      await inspectSource(src, sample.name, { declaredFormat: 'vpc' });
      assert.ok(src.total <= 1.2 * img.MiB, `${sample.name}: read ${src.total} bytes`);
    }
    const raw = counting(big);
    await inspectSource(raw, 'big');
    assert.equal(raw.total, 64 * 1024);
  });
});
