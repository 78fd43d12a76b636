// Targets by destination: what each cloud's image import accepts, as data, and the checks of
// the written result against it. Requirements and their sources: docs/targets.md.

import * as fs from 'node:fs';
import type { ConvertOptions, TargetFormat } from './convert';
import { GCE_MEMBER, readGceTar } from './gceTar';
import type { ImageInfo } from './qemuImg';

export type CloudTarget = 'azure' | 'aws' | 'gcp' | 'openstack';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface CloudSpec {
  id: CloudTarget;
  /** The destination, as people name it. */
  label: string;
  /** The qemu-img output format (gcp: the raw disk inside the archive). */
  format: TargetFormat;
  options: ConvertOptions;
  /** Extension of the file to upload. */
  ext: string;
  /** One line: what is written, for pickers and help. */
  detail: string;
  /** The virtual size is rounded up to a multiple of this, on a raw intermediate (never the source). */
  roundTo?: number;
  /** The raw disk is packed as GCE's disk.raw in a gzip'd oldgnu tar. */
  gceTar?: boolean;
}

export const CLOUD_TARGETS: Readonly<Record<CloudTarget, CloudSpec>> = {
  azure: {
    id: 'azure',
    label: 'Microsoft Azure',
    format: 'vpc',
    options: { subformat: 'fixed' },
    ext: '.vhd',
    detail: 'Fixed VHD, virtual size rounded up to a whole MiB (force_size): what Azure accepts for uploaded disks.',
    roundTo: MiB,
  },
  aws: {
    id: 'aws',
    label: 'AWS (VM Import/Export)',
    format: 'vmdk',
    options: { subformat: 'streamOptimized' },
    ext: '.vmdk',
    detail: 'streamOptimized VMDK (compressed), the VMDK flavour AWS VM Import takes.',
  },
  gcp: {
    id: 'gcp',
    label: 'Google Compute Engine',
    format: 'raw',
    options: {},
    ext: '.tar.gz',
    detail: 'disk.raw rounded up to a whole GiB, in a gzip-compressed tar of GNU oldgnu format, as GCE image import expects.',
    roundTo: GiB,
    gceTar: true,
  },
  openstack: {
    id: 'openstack',
    label: 'OpenStack (Glance)',
    format: 'qcow2',
    options: {},
    ext: '.qcow2',
    detail: 'qcow2 (v3), thin: uploaded with --disk-format qcow2; Nova reads it directly.',
  },
};

export const CLOUD_TARGET_IDS = Object.keys(CLOUD_TARGETS) as CloudTarget[];

export const roundUp = (bytes: number, to: number) => Math.ceil(bytes / to) * to;

/** VHD footer disk types (VHD specification: 2 fixed, 3 dynamic, 4 differencing). */
const VHD_FIXED = 2;

export interface VhdFooter {
  cookie: string;
  diskType: number;
  currentSize: number;
}

/** The 512-byte footer at the end of a VHD: cookie "conectix", current size at 48, disk type at 60 (big-endian). */
export async function readVhdFooter(file: string): Promise<VhdFooter> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const b = Buffer.alloc(512);
    await fh.read(b, 0, 512, Math.max(0, size - 512));
    return { cookie: b.toString('latin1', 0, 8), diskType: b.readUInt32BE(60), currentSize: Number(b.readBigUInt64BE(48)) };
  } finally {
    await fh.close();
  }
}

/**
 * What is wrong with the written file for `cloud`, or undefined when it meets the target's
 * requirements. `info` is qemu-img info of the output (not for gcp, whose output is an archive).
 */
export async function checkCloudOutput(cloud: CloudTarget, file: string, expectedSize: number, info: ImageInfo | undefined, signal?: AbortSignal): Promise<string | undefined> {
  switch (cloud) {
    case 'azure': {
      if (expectedSize % MiB) return `its virtual size ${expectedSize} is not a whole number of MiB`;
      const f = await readVhdFooter(file);
      if (f.cookie !== 'conectix') return 'it has no VHD footer (cookie "conectix") in its last 512 bytes';
      if (f.diskType !== VHD_FIXED) return `its VHD footer says disk type ${f.diskType}, not 2 (fixed)`;
      if (f.currentSize !== expectedSize) return `its VHD footer says ${f.currentSize} bytes, not ${expectedSize}`;
      const { size } = await fs.promises.stat(file);
      if (size !== expectedSize + 512) return `the file is ${size} bytes; a fixed VHD of ${expectedSize} bytes is exactly 512 bytes longer`;
      return undefined;
    }
    case 'aws':
      return info?.createType === 'streamOptimized' ? undefined : `its VMDK create type is ${info?.createType ?? 'unknown'}, not streamOptimized`;
    case 'gcp': {
      if (expectedSize % GiB) return `disk.raw would be ${expectedSize} bytes, not a whole number of GiB`;
      const t = await readGceTar(file, signal);
      if (t.name !== GCE_MEMBER) return `its first member is named "${t.name}", not ${GCE_MEMBER}`;
      if (t.magic !== 'ustar  \0') return 'its tar header is not of the oldgnu format';
      if (!t.checksumOk) return 'its tar header checksum is wrong';
      if (t.typeflag !== '0') return `${GCE_MEMBER} is not stored as a regular file (type "${t.typeflag}")`;
      if (t.size !== expectedSize) return `${GCE_MEMBER} is ${t.size} bytes, not ${expectedSize}`;
      if (t.members !== 1) return 'it holds more than one member';
      if (t.totalBytes < 512 + expectedSize + 1024) return 'the archive ends before the end of disk.raw';
      return undefined;
    }
    case 'openstack':
      return info?.format === 'qcow2' ? undefined : `qemu-img reads it as ${info?.format ?? 'unknown'}, not qcow2`;
  }
}

/** What was written, for a summary line: "qcow2", "for Microsoft Azure: vpc", "for Google Compute Engine: disk.raw in tar.gz". */
export function describeOutput(r: { targetFormat: TargetFormat; cloud?: CloudTarget }): string {
  if (!r.cloud) return r.targetFormat;
  const spec = CLOUD_TARGETS[r.cloud];
  return `for ${spec.label}: ${spec.gceTar ? 'disk.raw in tar.gz' : r.targetFormat}`;
}
