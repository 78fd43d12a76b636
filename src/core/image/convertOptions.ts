// Target options that fit each output format, checked before qemu-img runs so a bad
// combination gets a sentence rather than qemu-img's usage text.

import type { ConvertOptions, TargetFormat } from './convert';
import { COMPRESSION_TYPES } from './compression';

export const TARGET_FORMATS: readonly TargetFormat[] = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhdx', 'vpc'];

const PREALLOCATION: Partial<Record<TargetFormat, readonly string[]>> = {
  raw: ['off', 'falloc', 'full'],
  qcow2: ['off', 'metadata', 'falloc', 'full'],
};

// Only single-file subformats: the split/flat VMDK ones write extent files named after the
// target, which the .part → target rename would orphan.
const SUBFORMAT: Partial<Record<TargetFormat, readonly string[]>> = {
  vmdk: ['monolithicSparse', 'streamOptimized'],
  vhdx: ['dynamic', 'fixed'],
  vpc: ['dynamic', 'fixed'],
};

export interface TargetArgs {
  /** `-o` items, without the `-o`. */
  o: string[];
  compress: boolean;
  /**
   * The output is written compressed (-c, or a streamOptimized VMDK, which always is): its
   * clusters land at unaligned offsets, so it is written through the page cache (see convert.ts).
   */
  packed: boolean;
}

/** Returns the qemu-img arguments for the options, or throws an Error whose message says why not. */
export function targetArgs(format: TargetFormat, opts: ConvertOptions): TargetArgs {
  if (!TARGET_FORMATS.includes(format)) {
    throw new Error(`"${format}" is not an output format this tool writes; choose one of ${TARGET_FORMATS.join(', ')}.`);
  }
  const o: string[] = [];
  const prealloc = opts.preallocation;
  if (prealloc !== undefined) {
    const allowed = PREALLOCATION[format];
    if (!allowed) throw new Error(`Preallocation is only offered for raw and qcow2 output, not ${format}.`);
    if (!allowed.includes(prealloc)) {
      throw new Error(`Preallocation "${prealloc}" does not exist for ${format}; use one of ${allowed.join(', ')}.`);
    }
    o.push(`preallocation=${prealloc}`);
  }
  const sub = opts.subformat;
  if (sub !== undefined) {
    const allowed = SUBFORMAT[format];
    if (!allowed) throw new Error(`A subformat is only offered for vmdk, vhdx and vpc output, not ${format}.`);
    if (!allowed.includes(sub)) throw new Error(`Subformat "${sub}" is not offered for ${format}; use one of ${allowed.join(', ')}.`);
    o.push(`subformat=${sub}`);
  }
  // Keep the virtual size exact: VHD otherwise rounds it up to a CHS geometry (Azure and
  // Hyper-V want the exact size; the post-conversion check compares sizes).
  if (format === 'vpc') o.push('force_size=on');
  const compress = opts.compress === true;
  const ctype = opts.compressionType;
  if (ctype !== undefined) {
    if (!COMPRESSION_TYPES.includes(ctype)) throw new Error(`Compression "${ctype}" does not exist; use one of ${COMPRESSION_TYPES.join(', ')}.`);
    if (format !== 'qcow2') throw new Error(`A compression type (${ctype}) is chosen for qcow2 output only; ${format} output has none to choose.`);
    if (!compress) throw new Error(`Compression type ${ctype} was given, but compression is off; turn compression on or drop the type.`);
  }
  if (compress) {
    const streamVmdk = format === 'vmdk' && sub === 'streamOptimized';
    if (format !== 'qcow2' && !streamVmdk) {
      throw new Error(
        format === 'vmdk'
          ? 'VMDK output is compressed only as subformat streamOptimized; choose that subformat or turn compression off.'
          : `${format} output cannot be compressed; only qcow2 (and streamOptimized vmdk) can.`,
      );
    }
    if (prealloc !== undefined && prealloc !== 'off') {
      throw new Error(
        `Compression and preallocation "${prealloc}" cannot be combined: a compressed image stores clusters packed, preallocation reserves them full size. Turn one of them off.`,
      );
    }
  }
  return { o, compress, packed: compress || (format === 'vmdk' && sub === 'streamOptimized') };
}
