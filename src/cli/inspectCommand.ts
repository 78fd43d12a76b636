// `qemu-disk-tools inspect`: what an image is and whether it is safe to hand to qemu-img, by the
// verdict core gives every front (imageVerdict.ts): the in-process inspection, then
// `qemu-img info` on the same open file when the inspector lets qemu-img near it.
import * as path from 'node:path';
import type { InspectResult } from '../core/image/imageInspector';
import { examineImage, type ImageVerdict } from '../core/image/imageVerdict';
import type { ImageInfo } from '../core/image/qemuImg';
import { EXIT, UsageError, cancelledExit, type CliIO } from './io';
import { parseCommandArgs } from './args';
import { INSPECT_HELP } from './help';
import { humanBytes } from '../core/units';
import { cliMessage } from './remedies';

const size = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${bytes} bytes (${humanBytes(bytes)})`);

function describeVerdict(v: ImageVerdict, shown: string, text: boolean): string[] {
  const r: InspectResult = v.inspection;
  const lines = [
    shown,
    `  format:          ${r.format}${r.qemuFormat !== r.format ? ` (qemu-img -f ${r.qemuFormat})` : ''}`,
    `  virtual size:    ${r.virtualSize !== undefined ? size(r.virtualSize) : 'not stated in the header'}`,
  ];
  if (text) lines.push('  content:         reads as text, not disk data (convert refuses it without --allow-text)');
  const reasons = [...r.refusals, ...v.infoProblems.map((p) => `qemu-img info: ${p}.`)];
  if (v.safe) lines.push('  safe to open:    yes');
  else if (reasons.length) lines.push('  safe to open:    NO, refused:', ...reasons.map((x) => `    - ${x}`));
  else lines.push('  safe to open:    not confirmed (qemu-img info failed, see below)');
  return lines;
}

function describeInfo(i: ImageInfo): string[] {
  const row = (k: string, v: string | number | undefined) => (v === undefined ? [] : [`    ${(k + ':').padEnd(14)} ${v}`]);
  return [
    '  qemu-img info:',
    ...row('format', i.format),
    ...row('virtual size', size(i.virtualSize)),
    ...row('on disk', i.actualSize !== undefined ? size(i.actualSize) : undefined),
    ...row('cluster size', i.clusterSize),
    ...row('compat', i.compat),
    ...row('create type', i.createType),
    ...row('backing file', i.backingFile),
    ...row('data file', i.dataFile),
    ...row('snapshots', i.snapshots.length || undefined),
    ...row('flags', [i.dirty && 'dirty', i.corrupt && 'CORRUPT', i.encrypted && 'encrypted'].filter(Boolean).join(', ') || undefined),
  ];
}

export async function runInspect(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('inspect', argv, {
    from: { type: 'string' },
    json: { type: 'boolean' },
    'qemu-img': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(INSPECT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('inspect: give exactly one image, e.g. qemu-disk-tools inspect disk.qcow2.');
  const shown = positionals[0];
  const file = path.resolve(io.cwd, shown);
  let verdict: ImageVerdict;
  try {
    verdict = await examineImage(file, { declaredFormat: values.from as string | undefined, qemuImgPath: values['qemu-img'] as string | undefined, signal: io.signal });
  } catch (e) {
    // The inspector words its own errors; a bare Node errno message gets words here.
    const err = e as NodeJS.ErrnoException;
    const raw = /^E[A-Z]+:/.test(err.message);
    const why = !raw ? err.message : err.code === 'ENOENT' ? 'no such file.' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied.' : `${err.message}.`;
    io.stderr.write(`${shown}: cannot inspect: ${why}\n`);
    return EXIT.failed;
  }
  const { inspection, info } = verdict;
  const text = verdict.readsAsText;
  const infoError = verdict.inspection.refusals.length > 0 || !verdict.infoError ? undefined : cliMessage(verdict.infoError, verdict.infoRemedies ?? []);
  if (io.signal?.aborted) {
    io.stderr.write(`${shown}: inspection cancelled.\n`);
    return cancelledExit(io.signal);
  }
  if (values.json) {
    const json = { safe: verdict.safe, inspection, looksLikeText: text, qemuImgInfo: info ?? null, qemuImgInfoProblems: verdict.infoProblems, ...(infoError ? { qemuImgInfoError: infoError } : {}) };
    io.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    io.stdout.write([...describeVerdict(verdict, shown, text), ...(info ? describeInfo(info) : [])].join('\n') + '\n');
  }
  if (infoError) io.stderr.write(`${shown}: qemu-img info failed: ${infoError}\n`);
  return verdict.safe && !infoError ? EXIT.ok : EXIT.failed;
}
