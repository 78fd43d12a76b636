// `qemu-disk-tools convert`: the editor's Convert command without the editor.
import * as path from 'node:path';
import { convertImage, ConvertError, type ConvertErrorKind, type TargetFormat } from '../core/image/convert';
import { TARGET_FORMATS } from '../core/image/convertOptions';
import { COMPRESSION_TYPES } from '../core/image/compression';
import { CLOUD_TARGETS, CLOUD_TARGET_IDS, describeOutput } from '../core/image/cloudTargets';
import { EXIT, UsageError, cancelledExit, type CliIO } from './io';
import { oneOf, parseCommandArgs } from './args';
import { progressReporter } from './progressBar';
import { humanBytes } from '../core/units';
import { CONVERT_HELP } from './help';
import { cliMessage } from './remedies';

const BY_EXTENSION: Record<string, TargetFormat> = {
  '.raw': 'raw',
  '.img': 'raw',
  '.qcow2': 'qcow2',
  '.vmdk': 'vmdk',
  '.vdi': 'vdi',
  '.vhdx': 'vhdx',
  '.vhd': 'vpc',
  '.vpc': 'vpc',
};

export function formatFromExtension(target: string): TargetFormat | undefined {
  return BY_EXTENSION[path.extname(target).toLowerCase()];
}

/** Kinds where nothing went wrong: the tool declined, on purpose, before running qemu-img convert. */
const REFUSALS: readonly ConvertErrorKind[] = ['refused', 'looks-like-text', 'format-mismatch', 'exists', 'same-file'];

export async function runConvert(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('convert', argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    for: { type: 'string' },
    compress: { type: 'boolean' },
    compression: { type: 'string' },
    preallocation: { type: 'string' },
    subformat: { type: 'string' },
    force: { type: 'boolean' },
    'allow-backing-file': { type: 'boolean' },
    'allow-text': { type: 'boolean' },
    'qemu-img': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (values.help) {
    io.stdout.write(CONVERT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError('convert: give exactly a source and a target, e.g. qemu-disk-tools convert disk.qcow2 disk.raw.');
  const [source, target] = positionals.map((p) => path.resolve(io.cwd, p));
  const cloud = oneOf('--for', values.for as string | undefined, CLOUD_TARGET_IDS);
  const to = oneOf('--to', values.to as string | undefined, TARGET_FORMATS);
  if (cloud && to && to !== CLOUD_TARGETS[cloud].format) {
    throw new UsageError(`convert: --for ${cloud} writes ${CLOUD_TARGETS[cloud].format}; drop --to ${to}.`);
  }
  const targetFormat = cloud ? CLOUD_TARGETS[cloud].format : (to ?? formatFromExtension(target));
  if (!targetFormat) {
    throw new UsageError(`convert: cannot tell the target format from '${positionals[1]}'; add --to ${TARGET_FORMATS.join('|')}.`);
  }

  const compressionType = oneOf('--compression', values.compression as string | undefined, COMPRESSION_TYPES);

  const progress = progressReporter(io.stderr, io.stderrIsTTY === true, 'Converting');
  const started = Date.now();
  try {
    const r = await convertImage({
      source,
      target,
      sourceFormat: values.from as string | undefined,
      targetFormat,
      cloud,
      options: {
        // --compression alone means "compress, with this algorithm".
        compress: values.compress === true || values.compression !== undefined,
        compressionType,
        preallocation: values.preallocation as string | undefined,
        subformat: values.subformat as string | undefined,
      },
      overwrite: values.force === true,
      allowBackingFile: values['allow-backing-file'] === true,
      allowText: values['allow-text'] === true,
      qemuImgPath: values['qemu-img'] as string | undefined,
      signal: io.signal,
      onProgress: (p) => progress.update(p),
      log: values.verbose ? (line) => io.stderr.write(`${line}\n`) : undefined,
    });
    progress.done();
    io.stdout.write(
      `Converted ${positionals[0]} (${r.sourceFormat}, ${humanBytes(r.sourceBytes)} on disk) to ${positionals[1]} (${describeOutput(r)}, ` +
        `${humanBytes(r.virtualSize)} virtual, ${humanBytes(r.targetBytes)} on disk) in ${r.seconds.toFixed(1)} s${r.compressionType ? `, compressed with ${r.compressionType}` : ''}; target cache ${r.cacheMode}: ${r.cacheReason}\n`,
    );
    for (const note of r.notes) io.stderr.write(`Note: ${note}\n`);
    return EXIT.ok;
  } catch (e) {
    progress.done();
    if (e instanceof ConvertError && e.kind === 'cancelled') {
      io.stderr.write(`Cancelled after ${((Date.now() - started) / 1000).toFixed(1)} s; ${positionals[1]} was not created and no partial file is left.\n`);
      return cancelledExit(io.signal);
    }
    if (io.signal?.aborted) {
      io.stderr.write(`Cancelled: ${(e as Error).message}\n`);
      return cancelledExit(io.signal);
    }
    if (e instanceof ConvertError) {
      if (e.kind === 'invalid-options') {
        io.stderr.write(`qemu-disk-tools: convert: ${e.message}\n`);
        return EXIT.usage;
      }
      const label = REFUSALS.includes(e.kind) || e.message.startsWith('Refused') ? 'Refused' : 'Failed';
      const message = cliMessage(e.message, e.remedies);
      io.stderr.write(`${message.startsWith(label) ? '' : `${label}: `}${message}\n`);
      if (e.stderr && (values.verbose || e.kind === 'failed')) io.stderr.write(`qemu-img said:\n${e.stderr.trimEnd()}\n`);
      return EXIT.failed;
    }
    io.stderr.write(`Failed: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}
