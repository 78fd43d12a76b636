// Differential test against qemu-img, bounded for CI (seeded, so a failure replays): mutants of
// real images of every format, with decoy files beside them; every mutant the inspector accepts
// must name no other file to `qemu-img info` (test/helpers/differential.ts). The long campaign is
// bench/inspector/campaign.ts; its last result is in bench/README.md.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBaseImages, qemuOracle, runCampaign, type BaseImage } from '../helpers/differential';
import * as img from '../helpers/hostileImages';
import { NO_QEMU_IMG, QEMU_IMG } from '../helpers/qemuImgFixtures';

/** Mutants per run: 15-40 s here on a loaded 2-core machine, with qemu-img info on each accepted one. */
const COUNT = Number(process.env.QDT_DIFFERENTIAL_COUNT ?? 200);
const SEED = Number(process.env.QDT_DIFFERENTIAL_SEED ?? 20261130);

let dir: string;
let bases: BaseImage[] = [];
before(() => {
  dir = img.makeTempDir('qdt-differential-');
  if (QEMU_IMG) bases = makeBaseImages(dir);
});
after(() => img.removeTempDir(dir));

test('the oracle sees what it hunts: qemu-img names x.bin for the capacity-0 VMDK, nothing for a clean one', (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  fs.mkdirSync(path.join(dir, 'oracle'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'oracle', 'x.bin'), Buffer.alloc(4096));
  const hole = img.writeImage(path.join(dir, 'oracle'), 'hole.vmdk', img.vmdkCapacityZero());
  assert.deepEqual(qemuOracle(hole, 'vmdk').others, [`extent ${path.join(dir, 'oracle', 'x.bin')}`]);
  const clean = path.join(dir, 'oracle', 'clean.vmdk');
  fs.copyFileSync(path.join(dir, 'sparse.vmdk'), clean);
  assert.deepEqual(qemuOracle(clean, 'vmdk'), { opened: true, others: [], format: 'vmdk', virtualSize: img.MiB });
});

test(`${COUNT} mutants of every format (seed ${SEED}): none the inspector accepts names another file to qemu-img`, async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const r = await runCampaign(dir, bases, SEED, COUNT);
  t.diagnostic(`${r.count} mutants, ${r.accepted} accepted, ${r.mismatches.length} mismatches, ${r.disagreements} format/size disagreements, ${r.qemuRefused} not opened by qemu-img`);
  assert.deepEqual(r.mismatches, []);
  // The run must exercise both verdicts for every format family, or it proves nothing.
  assert.ok(r.accepted > COUNT / 5 && r.accepted < COUNT, `${r.accepted} of ${COUNT} accepted`);
  for (const format of ['qcow2', 'vmdk', 'vpc', 'vhdx', 'vdi', 'luks', 'raw']) assert.ok((r.perFormat[format]?.accepted ?? 0) > 0, `no ${format} mutant accepted`);
});
