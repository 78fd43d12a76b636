// lint --connect against a private libvirtd (test/helpers/libvirtd.ts) with N defined domains:
// the whole read-and-lint (list, then one `virsh dumpxml --inactive` per domain, 4 at a time)
// against the same dumps run one after another, interleaved per round. A benchmark, not a test.
//
//   npm run compile && node out/bench/liveHost.bench.js [--domains 50] [--rounds 5]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { lintConnections } from '../src/cli/liveLint';
import { imageFile, startLibvirtd } from '../test/helpers/libvirtd';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { domains: { type: 'string', default: '50' }, rounds: { type: 'string', default: '5' } } });
  const n = Number(values.domains);
  const rounds = Number(values.rounds);
  const d = await startLibvirtd();
  try {
    for (let i = 0; i < n; i++) {
      const name = `vm${String(i).padStart(3, '0')}`;
      const file = path.join(d.dir, `${name}.xml`);
      const cache = ['none', 'unsafe', 'writethrough', 'writeback'][i % 4];
      fs.writeFileSync(
        file,
        `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>` +
          `<disk type='file' device='disk'><driver name='qemu' type='raw' cache='${cache}'/><source file='${imageFile(d, `${name}.raw`)}'/><target dev='vda' bus='virtio'/></disk>` +
          `</devices></domain>`,
      );
      d.virsh('define', file);
    }
    const lintMs: number[] = [];
    const seqMs: number[] = [];
    let findings = 0;
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      const res = await lintConnections([d.uri], {});
      lintMs.push(performance.now() - t);
      findings = res.files.reduce((s, f) => s + f.findings.length, 0);
      t = performance.now();
      for (let i = 0; i < n; i++) spawnSync('virsh', ['--readonly', '--connect', d.uri, 'dumpxml', '--inactive', `vm${String(i).padStart(3, '0')}`]);
      seqMs.push(performance.now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`${n} domains, ${findings} findings, ${rounds} rounds (median):`);
    console.log(`  lint --connect (list + ${n} dumps, 4 at a time, lint): ${median(lintMs).toFixed(0)} ms (${(median(lintMs) / n).toFixed(1)} ms a domain)`);
    console.log(`  ${n} virsh dumpxml one after another, nothing else:     ${median(seqMs).toFixed(0)} ms (${(median(seqMs) / n).toFixed(1)} ms a domain)`);
    console.log(`  ratio sequential / lint --connect: ${(median(seqMs) / median(lintMs)).toFixed(2)}`);
  } finally {
    await d.stop();
  }
}

void main();
