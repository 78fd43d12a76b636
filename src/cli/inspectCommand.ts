// `qemu-disk-tools inspect`: what an image is and whether it is safe to hand to qemu-img.
import * as path from 'node:path';
import { inspectImage, type InspectResult } from '../core/imageInspector';
import { EXIT, UsageError, type CliIO } from './io';
import { parseCommandArgs } from './args';
import { INSPECT_HELP } from './help';

function describe(r: InspectResult, shown: string): string {
  const lines = [
    `${shown}`,
    `  format:        ${r.format}${r.qemuFormat !== r.format ? ` (qemu-img -f ${r.qemuFormat})` : ''}`,
    `  virtual size:  ${r.virtualSize !== undefined ? `${r.virtualSize} bytes (${(r.virtualSize / 1073741824).toFixed(2)} GiB)` : 'not stated in the header'}`,
  ];
  if (r.refusals.length === 0) lines.push('  safe to open:  yes');
  else lines.push('  safe to open:  NO — refused:', ...r.refusals.map((x) => `    - ${x}`));
  return lines.join('\n') + '\n';
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
  const file = path.resolve(io.cwd, positionals[0]);
  let result: InspectResult;
  try {
    result = await inspectImage(file, { declaredFormat: values.from as string | undefined });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    io.stderr.write(`${positionals[0]}: cannot inspect: ${why}.\n`);
    return EXIT.failed;
  }
  if (values.json) io.stdout.write(JSON.stringify({ inspection: result }, null, 2) + '\n');
  else io.stdout.write(describe(result, positionals[0]));
  return result.refusals.length > 0 ? EXIT.failed : EXIT.ok;
}
