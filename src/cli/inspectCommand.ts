// `qemu-disk-tools inspect`: what an image is and whether it is safe to hand to qemu-img; if it
// is, what `qemu-img info` says of it (run only after the in-process inspector let it through).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TEXT_SAMPLE_BYTES, looksLikeText } from '../core/textContent';
import { inspectImage, type InspectResult } from '../core/imageInspector';
import { imageInfo, type ImageInfo } from '../core/qemuImg';
import { EXIT, UsageError, cancelledExit, type CliIO } from './io';
import { parseCommandArgs } from './args';
import { INSPECT_HELP } from './help';
import { humanBytes } from '../core/units';
import { remediesOf } from '../core/remedy';
import { cliMessage } from './remedies';

const size = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${bytes} bytes (${humanBytes(bytes)})`);

/** Whether a raw file's start reads as text (the decision convert asks about; textContent.ts). */
function rawReadsAsText(r: InspectResult, file: string): boolean {
  if (r.format !== 'raw') return false;
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(TEXT_SAMPLE_BYTES);
    return looksLikeText(head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)));
  } finally {
    fs.closeSync(fd);
  }
}

function describeInspection(r: InspectResult, shown: string, text: boolean): string[] {
  const lines = [
    shown,
    `  format:          ${r.format}${r.qemuFormat !== r.format ? ` (qemu-img -f ${r.qemuFormat})` : ''}`,
    `  virtual size:    ${r.virtualSize !== undefined ? size(r.virtualSize) : 'not stated in the header'}`,
  ];
  if (text) lines.push('  content:         reads as text, not disk data (convert refuses it without --allow-text)');
  if (r.refusals.length === 0) lines.push('  safe to open:    yes');
  else lines.push('  safe to open:    NO, refused:', ...r.refusals.map((x) => `    - ${x}`));
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
  let inspection: InspectResult;
  try {
    inspection = await inspectImage(file, { declaredFormat: values.from as string | undefined });
  } catch (e) {
    // The inspector words its own errors; a bare Node errno message gets words here.
    const err = e as NodeJS.ErrnoException;
    const raw = /^E[A-Z]+:/.test(err.message);
    const why = !raw ? err.message : err.code === 'ENOENT' ? 'no such file.' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied.' : `${err.message}.`;
    io.stderr.write(`${shown}: cannot inspect: ${why}\n`);
    return EXIT.failed;
  }
  const text = rawReadsAsText(inspection, file);
  let info: ImageInfo | undefined;
  let infoError: string | undefined;
  if (inspection.refusals.length === 0) {
    try {
      info = await imageInfo(file, { format: inspection.qemuFormat, qemuImgPath: values['qemu-img'] as string | undefined, signal: io.signal });
    } catch (e) {
      infoError = cliMessage((e as Error).message, remediesOf(e));
    }
  }
  if (io.signal?.aborted) {
    io.stderr.write(`${shown}: inspection cancelled.\n`);
    return cancelledExit(io.signal);
  }
  if (values.json) {
    io.stdout.write(JSON.stringify({ inspection, looksLikeText: text, qemuImgInfo: info ?? null, ...(infoError ? { qemuImgInfoError: infoError } : {}) }, null, 2) + '\n');
  } else {
    io.stdout.write([...describeInspection(inspection, shown, text), ...(info ? describeInfo(info) : [])].join('\n') + '\n');
  }
  if (infoError) io.stderr.write(`${shown}: qemu-img info failed: ${infoError}\n`);
  if (inspection.refusals.length > 0 || infoError) return EXIT.failed;
  return EXIT.ok;
}
