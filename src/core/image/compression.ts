// qcow2 compression: zstd where the installed qemu-img can write it, zlib otherwise or on request.
//
// qcow2 gained the compression_type option in QEMU 5.1 (header byte 104, incompatible feature
// bit 3 when not zlib); zstd exists only in builds with CONFIG_ZSTD: qcow2_co_create refuses
// it otherwise, although `-o help` still lists compression_type. So support is decided by
// creating a 1 MiB probe image in a temporary folder, once per qemu-img executable.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runQemuImg } from './qemuImg';

export type CompressionType = 'zstd' | 'zlib';
export const COMPRESSION_TYPES: readonly CompressionType[] = ['zstd', 'zlib'];

export interface ZstdSupport {
  supported: boolean;
  /** Why not, in a sentence naming the qemu-img (empty when supported). */
  reason: string;
}

const probes = new Map<string, Promise<ZstdSupport>>();

/** Whether `qemuImgPath` writes qcow2 with compression_type=zstd; asked once per executable. */
export function zstdSupport(qemuImgPath: string): Promise<ZstdSupport> {
  let p = probes.get(qemuImgPath);
  if (!p) {
    p = probeZstd(qemuImgPath);
    probes.set(qemuImgPath, p);
  }
  return p;
}

async function probeZstd(qemuImgPath: string): Promise<ZstdSupport> {
  const help = await runQemuImg(['create', '-f', 'qcow2', '-o', 'help'], { qemuImgPath });
  if (!/^\s*compression_type=/m.test(help.stdout)) {
    return { supported: false, reason: `${qemuImgPath} has no qcow2 compression_type option (it predates QEMU 5.1), so it compresses with zlib only.` };
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'qdt-zstd-'));
  try {
    const r = await runQemuImg(['create', '-q', '-f', 'qcow2', '-o', 'compression_type=zstd', path.join(dir, 'probe.qcow2'), '1M'], { qemuImgPath });
    if (r.code === 0) return { supported: true, reason: '' };
    const said = r.stderr.trim().split('\n')[0] ?? '';
    return { supported: false, reason: `${qemuImgPath} was built without zstd (it said: ${said}), so it compresses with zlib only.` };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

export interface CompressionChoice {
  type: CompressionType;
  /** Shown to the user when the choice is not what they would expect (zstd unavailable). */
  note?: string;
}

/**
 * The compression a qcow2 target gets. Not asked: zstd where supported, else zlib with a note.
 * Asked for zstd where it is not supported: an Error saying what to do (nothing is silently changed).
 */
export function chooseCompression(requested: CompressionType | undefined, support: ZstdSupport): CompressionChoice {
  if (requested === 'zlib') return { type: 'zlib' };
  if (support.supported) return { type: 'zstd' };
  if (requested === 'zstd') {
    throw new Error(`zstd compression was asked for, but ${support.reason} Choose zlib compression, or point the tools at a qemu-img built with zstd (QEMU 5.1 or later).`);
  }
  return { type: 'zlib', note: `Compressed with zlib, which is several times slower than zstd: ${support.reason}` };
}
