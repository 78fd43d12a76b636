// Timing of the Nova config rules on a generated 4,000-line nova.conf (comments, continuations,
// every rule firing) and, when the corpus is there, on its largest real files: the first run in
// this process, then the median of 50 runs after 10 warm-up runs; and the first lint of the
// generated file in 9 fresh processes (what one CLI run pays). Run:
//   npm run compile && node out/bench/novaConf.bench.js
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lint } from '../src/core/lint/engine';

function generated(lines: number): string {
  const out: string[] = ['[DEFAULT]', 'force_raw_images = False'];
  const sections = ['DEFAULT', 'libvirt', 'compute', 'workarounds', 'vnc', 'glance', 'neutron'];
  for (let i = 0; out.length < lines; i++) {
    out.push('', `[${sections[i % sections.length]}]`);
    for (let k = 0; k < 20; k++) {
      out.push(`# Help text of option ${k}, as oslo-config-generator writes it.`, `#option_${i}_${k} = <None>`, `option_${i}_${k} = value_${k}`);
    }
    out.push('multi_line = first,', '    second,', '    third');
    if (i % sections.length === 1) out.push('images_type = rbd', 'disk_cachemodes = file=unsafe, block = none, rbd=writeback,file=writebak # tuned');
  }
  out.push('[workarounds]', 'disable_deep_image_inspection = True', '[compute]', 'vmdk_allowed_types = streamOptimized,monolithicFlat');
  return out.slice(0, lines).join('\n') + '\n';
}

function median(text: string, fileName: string): { first: number; ms: number; findings: number } {
  const t = process.hrtime.bigint();
  let findings = lint(text, { fileName }).length;
  const first = Number(process.hrtime.bigint() - t) / 1e6;
  for (let i = 0; i < 10; i++) findings = lint(text, { fileName }).length;
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = process.hrtime.bigint();
    lint(text, { fileName });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { first, ms: times[times.length >> 1], findings };
}

if (process.env.QDT_BENCH_COLD) {
  const text = generated(4000);
  const t0 = process.hrtime.bigint();
  lint(text, { fileName: 'nova.conf' });
  console.log(Number(process.hrtime.bigint() - t0) / 1e6);
  process.exit(0);
}

const cases: [string, string, string][] = [['generated nova.conf', generated(4000), 'nova.conf']];
const corpus = ['../shared/corpus/nova', '/work/shared/corpus/nova'].find((d) => fs.existsSync(d));
if (corpus) {
  for (const name of ['nova__nova.conf.sample@2014-03-19.conf', 'gen-oslo-openstack-helm__nova.conf.sample.helmtpl', 'cookbook-openstack-compute__nova.conf.erb']) {
    cases.push([name, fs.readFileSync(path.join(corpus, name), 'utf8'), path.join(corpus, name)]);
  }
}
for (const [label, text, fileName] of cases) {
  const { first, ms, findings } = median(text, fileName);
  console.log(`${label}: ${text.split('\n').length - 1} lines, ${findings} findings, first run ${first.toFixed(2)} ms, median ${ms.toFixed(2)} ms`);
}

const cold = Array.from({ length: 9 }, () => Number(childProcess.execFileSync(process.execPath, [__filename], { env: { ...process.env, QDT_BENCH_COLD: '1' } }).toString()));
cold.sort((a, b) => a - b);
console.log(`generated nova.conf, first lint in a fresh process (9 runs): min ${cold[0].toFixed(2)} ms, median ${cold[4].toFixed(2)} ms`);
