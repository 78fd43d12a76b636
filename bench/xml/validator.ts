// What fast-xml-parser's XMLValidator and our own well-formedness check (xmlWellFormed.ts) cost
// next to lint() (not a test): the same generated domains as bench/lint, warm, interleaved,
// medians; also on each file broken near the end (an unclosed <disk>), so both read it all.
//   npm run compile && node out/bench/xml/validator.js [rounds]
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { XMLValidator } from 'fast-xml-parser';
import { lint } from '../../src/core/lint/engine';
import { firstWellFormednessError } from '../../src/core/lint/domainXml/xmlWellFormed';
import { writeBenchFiles } from '../lint/generate';

const rounds = Number(process.argv[2] ?? 15) || 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn: () => unknown) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-bench-xml-'));
const files = writeBenchFiles(dir).filter((f) => f.file.endsWith('.xml'));
const inputs = files.flatMap((f) => {
  const text = fs.readFileSync(f.file, 'utf8');
  const cut = text.lastIndexOf('</devices>');
  // Broken near the end: an unclosed element, so the validator reads (almost) everything.
  const broken = text.slice(0, cut) + '<disk type="file">\n' + text.slice(cut);
  return [
    { name: path.basename(f.file), text },
    { name: `${path.basename(f.file)}, unclosed <disk> near the end`, text: broken },
  ];
});
const rows = inputs.map((i) => ({ ...i, validator: [] as number[], ours: [] as number[], lint: [] as number[] }));
for (const r of rows) for (let w = 0; w < 3; w++) (XMLValidator.validate(r.text), firstWellFormednessError(r.text), lint(r.text, { fileName: 'x.xml' }));
for (let round = 0; round < rounds; round++) {
  for (const r of round % 2 ? [...rows].reverse() : rows) {
    r.validator.push(time(() => XMLValidator.validate(r.text)));
    r.ours.push(time(() => firstWellFormednessError(r.text)));
    r.lint.push(time(() => lint(r.text, { fileName: 'x.xml' })));
  }
}
console.log(`| file | size | XMLValidator.validate | firstWellFormednessError | lint() (includes it) | validator / lint | ours / lint |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const v = median(r.validator);
  const o = median(r.ours);
  const l = median(r.lint);
  console.log(`| ${r.name} | ${(r.text.length / 1024).toFixed(0)} KB | ${v.toFixed(2)} ms | ${o.toFixed(2)} ms | ${l.toFixed(2)} ms | ${(v / l).toFixed(2)} | ${(o / l).toFixed(2)} |`);
}
fs.rmSync(dir, { recursive: true, force: true });
