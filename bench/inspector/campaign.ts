// The long differential campaign: mutants of real images of every format, each one the inspector
// accepts checked with qemu-img info (test/helpers/differential.ts). Not a test: it prints a
// summary and writes any mismatch to the results folder for replay.
//   npm run compile && node out/bench/inspector/campaign.js --count 20000 --seed 1
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { makeBaseImages, runCampaign } from '../../test/helpers/differential';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' }, keep: { type: 'boolean' } } });
  const count = Number(values.count);
  const seed = Number(values.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-differential-'));
  const results = path.resolve(__dirname, '../../../bench/results');
  const started = performance.now();
  try {
    const bases = makeBaseImages(dir);
    const r = await runCampaign(dir, bases, seed, count, (m, bytes) => {
      fs.mkdirSync(results, { recursive: true });
      fs.writeFileSync(path.join(results, `mismatch-${m.seed}-${m.base}`), bytes);
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`seed ${seed}: ${r.count} mutants of ${bases.length} base images, ${r.accepted} accepted by the inspector, ${r.mismatches.length} mismatches (accepted but qemu-img names another file), ${r.disagreements} format/size disagreements, ${r.qemuRefused} accepted but not opened by qemu-img; ${seconds.toFixed(0)} s`);
    console.log('per format (mutants / accepted):', Object.entries(r.perFormat).map(([f, s]) => `${f} ${s.count}/${s.accepted}`).join(', '));
    for (const m of r.mismatches) console.log(`MISMATCH seed ${m.seed} base ${m.base}: ${m.others.join(', ')}`);
    for (const d of r.disagreementCases) console.log(`disagreement ${d}`);
    process.exitCode = r.mismatches.length ? 1 : 0;
  } finally {
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
