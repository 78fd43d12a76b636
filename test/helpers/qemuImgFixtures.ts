// Fixtures for the tests that run the real qemu-img: temp dirs, images with varied data, a
// qemu-img wrapper that records each call, and mounts that are always undone.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Ctx {
  after(fn: () => void | Promise<void>): void;
}

/** The real qemu-img, or undefined when it is not installed (tests then skip, saying so). */
export const QEMU_IMG: string | undefined = (() => {
  const r = spawnSync('sh', ['-c', 'command -v qemu-img'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
})();
export const NO_QEMU_IMG = 'qemu-img is not installed (Debian: apt install qemu-utils; CI: scripts/install-system-deps.sh)';

export function tmpDir(t: Ctx, prefix = 'qdt-convert-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function qemuImg(...args: string[]): string {
  return execFileSync(QEMU_IMG ?? 'qemu-img', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

/**
 * Deterministic, varied content: per 64 KiB block, pseudo-random bytes, repeated text, a
 * counter pattern or a hole of zeros, so formats exercise both allocated and sparse clusters.
 */
export function variedData(bytes: number, seed: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  const block = 64 * 1024;
  const text = Buffer.from(`seed ${seed}: The quick brown fox jumps over the lazy dog. `);
  for (let off = 0; off < bytes; off += block) {
    const end = Math.min(bytes, off + block);
    const kind = next() % 4;
    if (kind === 0) for (let i = off; i < end; i += 4) buf.writeUInt32LE(next(), i);
    else if (kind === 1) for (let i = off; i < end; i++) buf[i] = text[(i + seed) % text.length];
    else if (kind === 2) for (let i = off; i < end; i += 4) buf.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
    // kind 3: zeros (a hole)
  }
  // Block 0 must not look like an image header or partition table to the inspector, nor like
  // text (a raw disk has binary data early; all-text content is asked about before converting).
  buf.fill(0x5a, 0, 1024);
  buf[1023] = 0;
  return buf;
}

/** A raw image of `mib` MiB with varied data, converted to `format` when that is not raw. */
export function makeImage(dir: string, name: string, format: string, mib: number, seed = 1): string {
  const raw = path.join(dir, format === 'raw' ? name : `${name}.src.raw`);
  fs.writeFileSync(raw, variedData(mib * 1024 * 1024, seed));
  if (format === 'raw') return raw;
  const out = path.join(dir, name);
  qemuImg('convert', '-f', 'raw', '-O', format, raw, out);
  fs.rmSync(raw);
  return out;
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** `qemu-img compare` exit status: 0 identical, 1 different, 2+ error. */
export function compareImages(a: string, fa: string, b: string, fb: string): number {
  return spawnSync(QEMU_IMG ?? 'qemu-img', ['compare', '-f', fa, '-F', fb, a, b]).status ?? -1;
}

export interface Recorder {
  /** Path of the wrapper to give as qemuImgPath. */
  path: string;
  /** One entry per call: the wrapper's pid (= qemu-img's, it execs) and the arguments. */
  calls(): { pid: number; args: string[] }[];
}

/** A qemu-img wrapper that appends "pid<TAB>args…" to a log, then execs the real qemu-img. */
export function recordingQemuImg(dir: string): Recorder {
  const log = path.join(dir, 'qemu-img-calls.log');
  const wrapper = path.join(dir, 'qemu-img-recorder');
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\n{ printf '%s' "$$"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> '${log}'\nexec '${QEMU_IMG}' "$@"\n`,
    { mode: 0o755 },
  );
  return {
    path: wrapper,
    calls: () =>
      fs.existsSync(log)
        ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
            const [pid, ...args] = l.split('\t');
            return { pid: Number(pid), args };
          })
        : [],
  };
}

/** Linux process state letter from /proc (R, S, T stopped, Z zombie), or undefined when gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The pid runs and is not a zombie. */
export const alive = (pid: number) => {
  const s = procState(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
};

/**
 * Mounts `type` on a fresh dir; returns the dir, or a reason string when mounting is not
 * allowed here (not root, no CAP_SYS_ADMIN, a container). Unmounted in `after`, even on failure.
 */
export function tryMount(t: Ctx, type: string, options: string): { dir: string } | { skip: string } {
  if (process.platform !== 'linux') return { skip: `mounting ${type} needs Linux` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `qdt-mnt-${type}-`));
  const r = spawnSync('mount', ['-t', type, '-o', options, type, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount ${type} here (${(r.stderr || r.error?.message || 'mount failed').trim()}); needs root with CAP_SYS_ADMIN` };
  }
  t.after(() => {
    spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}

/** Keeps `img` open read-write in qemu-io (as a running VM would) until the test ends. */
export async function holdImage(t: Ctx, img: string, format: string): Promise<void> {
  const holder = spawn(path.join(path.dirname(QEMU_IMG ?? '/usr/bin/qemu-img'), 'qemu-io'), ['-f', format, img], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => void holder.kill('SIGKILL'));
  const holds = () => {
    try {
      return fs.readdirSync(`/proc/${holder.pid}/fd`).some((fd) => fs.readlinkSync(`/proc/${holder.pid}/fd/${fd}`) === img);
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 10000;
  while (!holds()) {
    if (Date.now() > deadline || holder.exitCode !== null) throw new Error(`qemu-io did not open ${img}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Awaits `p`, which must reject with an instance of `cls` of the given kind; returns the error. */
export async function rejectsWith<E extends Error & { kind: string }>(
  p: Promise<unknown>,
  cls: abstract new (...args: never[]) => E,
  kind: string,
): Promise<E> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a '${kind}' ${cls.name}`);
}
