// Free space first: what the output (and any intermediate) needs, from `qemu-img measure`,
// against what the target's filesystem has free, before anything is written there.
//
// `qemu-img measure` knows only raw and qcow2 output (qemu 7.2: "Block driver 'vpc' does not
// support size measurement", likewise vmdk, vdi, vhdx). It reports a sparse raw target at its
// full virtual size, and it has no -c. So: raw and qcow2 with preallocation are measured as
// themselves; everything else by what a qcow2 of the same data would need ("required": the
// allocated data plus qcow2 metadata), which is what those formats allocate on a filesystem that
// keeps holes. Compressed output is smaller than that by an amount nobody can know in advance.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { humanBytes } from '../units';
import { runQemuImg } from './qemuImg';
import { QemuImgError, explainQemuImgStderr } from './qemuImgErrors';

export const MiB = 1024 * 1024;

/** One file the conversion writes, and how much of the disk it takes. */
export interface SpaceNeed {
  /** What the file is, for the message: "the .part (qcow2)", "the raw intermediate". */
  what: string;
  bytes: number;
  /** false: an upper bound (compressed output), which alone never refuses a conversion. */
  exact: boolean;
}

export interface FreeSpace {
  /** Mount point of the filesystem holding the folder. */
  mount: string;
  /** Bytes an unprivileged writer may still use (statfs f_bavail × f_bsize); undefined when the filesystem does not say (ramfs reports no blocks at all). */
  free?: number;
}

/** Room kept beyond the measured need: filesystem metadata, the rounding of extents. */
export const margin = (bytes: number): number => 4 * MiB + Math.ceil(bytes / 100);

/** The filesystem holding `dir`: its free space, and its mount point (the topmost folder on the same device). */
export async function freeSpaceOf(dir: string): Promise<FreeSpace> {
  const st = await fs.promises.statfs(dir);
  let mount = path.resolve(dir);
  const dev = (await fs.promises.stat(mount)).dev;
  for (;;) {
    const up = path.dirname(mount);
    const upDev = await fs.promises.stat(up).then((st) => st.dev, () => undefined);
    if (up === mount || upDev !== dev) break;
    mount = up;
  }
  return { mount, free: st.blocks > 0 ? st.bavail * st.bsize : undefined };
}

export interface MeasureSource {
  /** The file argument (the pinned /proc/self/fd/3 on Linux). */
  file: string;
  format: string;
  inheritFd?: number;
  label: string;
}

/** `qemu-img measure --output=json` of the source as `outFormat` with `-o` items: its "required" bytes. */
export async function measureRequired(
  src: MeasureSource,
  outFormat: 'raw' | 'qcow2',
  o: string[],
  qemuImgPath: string,
  signal?: AbortSignal,
  log?: (l: string) => void,
): Promise<number> {
  const args = ['measure', '--output=json', '-f', src.format, '-O', outFormat, ...(o.length ? ['-o', o.join(',')] : []), src.file];
  const r = await runQemuImg(args, { qemuImgPath, limits: true, signal, log, inheritFd: src.inheritFd });
  if (r.code !== 0 || r.signal) {
    const stderr = r.stderr.split(src.file).join(src.label);
    const e = explainQemuImgStderr(stderr, { action: `measuring ${src.label}`, source: src.label });
    throw new QemuImgError(e.kind, e.message, e.file ?? src.label, stderr);
  }
  const required = (JSON.parse(r.stdout) as { required?: unknown }).required;
  if (typeof required !== 'number' || !(required >= 0)) throw new QemuImgError('failed', `qemu-img measure gave no required size for ${src.label}.`, src.label);
  return required;
}

/** Refusal text when the exact needs do not fit; a warning when only the upper bounds might not. */
export function judgeSpace(needs: SpaceNeed[], space: FreeSpace): { refuse?: string; warn?: string } {
  if (space.free === undefined) return {};
  const sum = (xs: SpaceNeed[]) => xs.reduce((a, n) => a + n.bytes, 0);
  const exact = needs.filter((n) => n.exact);
  const what = (xs: SpaceNeed[]) => xs.map((n) => `${n.what} ${humanBytes(n.bytes)}`).join(' + ');
  const exactNeed = sum(exact) + margin(sum(exact));
  const freeText = `${humanBytes(space.free)} free on ${space.mount}`;
  if (exact.length && exactNeed > space.free) {
    return { refuse: `needs ${humanBytes(exactNeed)} (${what(exact)}, measured by qemu-img measure, plus a margin of ${humanBytes(margin(sum(exact)))}), ${freeText}. Free some space there, or write the target to another filesystem.` };
  }
  const all = sum(needs) + margin(sum(needs));
  if (all > space.free) {
    return { warn: `This may not fit: it needs up to ${humanBytes(all)} (${what(needs)}, uncompressed sizes, plus a margin), ${freeText}. Compression usually saves much of that; if the disk fills, the partial output is removed.` };
  }
  return {};
}

export interface OutputPlan {
  targetFormat: string;
  /** The `-o` items of the final qemu-img convert. */
  o: string[];
  /** Compressed output (qcow2 -c, streamOptimized VMDK). */
  packed: boolean;
  /** A raw intermediate is written first (Azure rounding, GCE's disk.raw). */
  rawIntermediate: boolean;
  /** The final file is GCE's tar.gz of the intermediate. */
  gceTar: boolean;
}

/** What each file of the conversion takes on disk; `measure` runs qemu-img measure of the source. */
export async function spaceNeeds(plan: OutputPlan, measure: (fmt: 'raw' | 'qcow2', o: string[]) => Promise<number>): Promise<SpaceNeed[]> {
  // The allocated data as qemu-img sees it (plus qcow2 metadata, a small over-estimate).
  const data = await measure('qcow2', []);
  const needs: SpaceNeed[] = [];
  if (plan.rawIntermediate) needs.push({ what: 'the raw intermediate', bytes: data, exact: true });
  const prealloc = plan.o.find((x) => x.startsWith('preallocation='));
  const fmt = plan.targetFormat;
  let part: SpaceNeed;
  if (plan.gceTar) part = { what: 'the .part (tar.gz)', bytes: data, exact: false };
  else if (fmt === 'qcow2') part = { what: 'the .part (qcow2)', bytes: plan.o.length ? await measure('qcow2', plan.o) : data, exact: !plan.packed };
  else if (fmt === 'raw' && prealloc && prealloc !== 'preallocation=off') part = { what: 'the .part (raw, preallocated)', bytes: await measure('raw', [prealloc]), exact: true };
  else part = { what: `the .part (${fmt})`, bytes: data, exact: !plan.packed };
  needs.push(part);
  return needs;
}
