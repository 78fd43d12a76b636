// The "Show Disk Image Info" page as Markdown. Pure (no vscode import), so it is unit-tested.
import * as path from 'node:path';
import type { InspectResult } from '../core/image/imageInspector';
import { blockingIssues } from '../core/image/imageVerdict';
import type { ImageInfo } from '../core/image/qemuImg';
import { formatBytes } from './units';

const esc = (s: string) => s.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const sizeCell = (n: number) => `${formatBytes(n)} (${n.toLocaleString('en-US')} bytes)`;

export interface InfoPage {
  file: string;
  inspect?: InspectResult;
  /** Why the inspector could not read the file. */
  inspectError?: string;
  info?: ImageInfo;
  /** Why qemu-img info did not run or failed. */
  infoError?: string;
  /** What qemu-img info showed that makes the image unsafe (core's verdict, imageVerdict.ts). */
  infoProblems?: string[];
}

export { blockingIssues };

/** Warnings an operator should see before anything else, one sentence each. */
export function infoWarnings(p: InfoPage): string[] {
  const w: string[] = [];
  const blocking = p.inspect ? blockingIssues(p.inspect) : [];
  for (const issue of blocking) w.push(`Refused by the inspector: ${issue.message}`);
  if (blocking.length) w.push('qemu-img was not run on this file, so only what the inspector read is shown.');
  for (const problem of p.infoProblems ?? []) w.push(`Not safe: qemu-img info shows that ${problem}.`);
  const i = p.info;
  if (i?.corrupt) w.push('qemu-img marks this image **corrupt**: do not boot it; run `qemu-img check -r all` on a copy first.');
  if (i?.dirty) w.push('The image is **dirty** (lazy refcounts not written back, e.g. after a crash): `qemu-img check -r all` repairs it.');
  if (i?.backingFile) {
    w.push(`The image depends on the backing file ${code(i.backingFile)}: it is not self-contained, and converting it reads that file too (off unless the setting qemuDiskTools.convert.allowBackingFile is on).`);
  }
  if (i?.dataFile) w.push(`The image keeps its data in the external file ${code(i.dataFile)}.`);
  if (i?.encrypted) w.push('The image is encrypted: converting it needs its secret.');
  return w;
}

export function infoMarkdown(p: InfoPage): string {
  const out: string[] = [`# ${esc(path.basename(p.file))}`, '', code(p.file), ''];
  const warnings = infoWarnings(p);
  if (warnings.length) out.push(warnings.map((w) => `> ⚠️ ${w}`).join('\n>\n'), '');

  const rows: [string, string][] = [];
  const i = p.info;
  if (p.inspect) {
    const detected = p.inspect.format === p.inspect.qemuFormat ? p.inspect.format : `${p.inspect.format} (qemu-img reads it as ${p.inspect.qemuFormat})`;
    rows.push(['Format (from its content)', detected]);
  }
  if (i) {
    rows.push(['Format (qemu-img)', i.compat ? `${i.format}, compat ${i.compat}${i.compat === '0.10' ? ' (qcow2 v2)' : i.compat === '1.1' ? ' (qcow2 v3)' : ''}` : i.format]);
    if (i.createType) rows.push(['Subformat', i.createType]);
    rows.push(['Virtual size', sizeCell(i.virtualSize)]);
    if (i.actualSize !== undefined) rows.push(['Allocated on the host', sizeCell(i.actualSize)]);
    if (i.clusterSize !== undefined) rows.push(['Cluster size', formatBytes(i.clusterSize)]);
    rows.push(['Backing file', i.backingFile ? `⚠️ ${code(i.backingFile)}${i.backingFormat ? ` (${i.backingFormat})` : ''}` : 'none']);
    if (i.backingChain.length > 1) rows.push(['Backing chain', i.backingChain.map(code).join(' → ')]);
    if (i.dataFile) rows.push(['External data file', `⚠️ ${code(i.dataFile)}`]);
    if (i.extents?.length) rows.push(['Extents', i.extents.map(code).join(', ')]);
    rows.push(['Encrypted', i.encrypted ? 'yes' : 'no']);
    rows.push(['State', i.corrupt ? '⚠️ corrupt' : i.dirty ? '⚠️ dirty' : 'clean']);
    rows.push(['Snapshots', String(i.snapshots.length)]);
  } else if (p.inspect?.virtualSize !== undefined) {
    rows.push(['Virtual size (from the header)', sizeCell(p.inspect.virtualSize)]);
  }
  if (rows.length) out.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`), '');

  if (i && i.snapshots.length) {
    out.push('## Snapshots', '', '| ID | Name | VM state | Date |', '|---|---|---|---|');
    for (const s of i.snapshots) {
      out.push(`| ${esc(s.id)} | ${esc(s.name)} | ${s.vmStateSize ? formatBytes(s.vmStateSize) : 'disk only'} | ${s.date ?? ''} |`);
    }
    out.push('');
  }
  if (p.inspectError) out.push(`**Inspector:** ${esc(p.inspectError)}`, '');
  if (p.infoError) out.push(`**qemu-img info:** ${esc(p.infoError)}`, '');
  return out.join('\n');
}
