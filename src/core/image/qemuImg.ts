// Locating and running qemu-img. Always an argument array (never a shell), always LC_ALL=C so
// the stderr texts in qemuImgErrors.ts match, and `info` on untrusted images under prlimit
// (30 s CPU, 2 GiB address space: Nova's limits, OSSA-2016-012).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INFO_ADDRESS_SPACE_BYTES, INFO_CPU_SECONDS, QemuImgError, explainQemuImgStderr, explainSignal } from './qemuImgErrors';

export { INFO_ADDRESS_SPACE_BYTES, INFO_CPU_SECONDS };
/** Time qemu-img gets to exit after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 3000;
const MAX_CAPTURE = 4 * 1024 * 1024;

const WELL_KNOWN: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/usr/bin/qemu-img', '/usr/local/bin/qemu-img', '/bin/qemu-img'],
  darwin: ['/opt/homebrew/bin/qemu-img', '/usr/local/bin/qemu-img', '/opt/local/bin/qemu-img'],
  win32: ['C:\\Program Files\\qemu\\qemu-img.exe'],
};

async function isExecutable(file: string): Promise<boolean> {
  try {
    const st = await fs.promises.stat(file);
    if (!st.isFile()) return false;
    await fs.promises.access(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function searchPath(name: string): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? ['', '.exe'] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutable(candidate)) return path.resolve(candidate);
    }
  }
  return undefined;
}

/**
 * The absolute path of qemu-img: the configured one (a path, or a name looked up in PATH),
 * else PATH, else the usual install places. Throws QemuImgError('qemu-img-missing'); its
 * remedies say what to do and each front words them (remedy.ts).
 */
export async function locateQemuImg(configured?: string): Promise<string> {
  const setting = configured?.trim();
  if (setting) {
    const found = /[\\/]/.test(setting)
      ? (await isExecutable(path.resolve(setting))) ? path.resolve(setting) : undefined
      : await searchPath(setting);
    if (found) return found;
    throw new QemuImgError(
      'qemu-img-missing',
      `The configured qemu-img "${setting}" was not found or is not executable, so no image can be read or converted.`,
      setting,
      undefined,
      ['choose-qemu-img', 'install-qemu-img'],
    );
  }
  const found = (await searchPath('qemu-img')) ?? (await firstExecutable(WELL_KNOWN[process.platform] ?? []));
  if (found) return found;
  throw new QemuImgError('qemu-img-missing', 'qemu-img is not installed (not in PATH), so no image can be read or converted.', undefined, undefined, [
    'install-qemu-img',
    'choose-qemu-img',
  ]);
}

export interface UsableQemuImg {
  path: string;
  /** [major, minor, micro] as `qemu-img --version` reports it. */
  version: number[];
}

/**
 * Finds qemu-img and checks that it runs and is qemu-img (it prints its version), before a user
 * is asked anything. Throws QemuImgError('qemu-img-missing') with remedies.
 */
export async function checkQemuImg(configured?: string): Promise<UsableQemuImg> {
  const found = await locateQemuImg(configured);
  const version = await qemuImgVersion(found).catch((e: unknown) => {
    versions.delete(found); // a fixed install (chmod, reinstall) is seen on the next try
    if (e instanceof QemuImgError) throw new QemuImgError('qemu-img-missing', e.message, found, undefined, ['install-qemu-img', 'choose-qemu-img']);
    throw e;
  });
  if (!version) {
    versions.delete(found);
    throw new QemuImgError(
      'qemu-img-missing',
      `${found} ran but did not report a qemu-img version, so it is not a usable qemu-img.`,
      found,
      undefined,
      configured?.trim() ? ['choose-qemu-img', 'install-qemu-img'] : ['install-qemu-img', 'choose-qemu-img'],
    );
  }
  return { path: found, version };
}

async function firstExecutable(files: string[]): Promise<string | undefined> {
  for (const f of files) if (await isExecutable(f)) return f;
  return undefined;
}

let prlimitPath: Promise<string | undefined> | undefined;
/** prlimit (util-linux) where it exists; Linux only. */
export function findPrlimit(): Promise<string | undefined> {
  if (process.platform !== 'linux') return Promise.resolve(undefined);
  prlimitPath ??= searchPath('prlimit').then((p) => p ?? firstExecutable(['/usr/bin/prlimit', '/bin/prlimit']));
  return prlimitPath;
}

export interface RunOptions {
  /** Absolute path from locateQemuImg. */
  qemuImgPath: string;
  /** Run under prlimit (CPU and address-space limits) when prlimit exists. */
  limits?: boolean;
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
  onSpawn?: (pid: number) => void;
  log?: (line: string) => void;
  killGraceMs?: number;
  /** A descriptor the child gets as its fd 3 (the pinned source, read as /proc/self/fd/3). */
  inheritFd?: number;
}

export interface RunResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  aborted: boolean;
  limited: boolean;
}

/** Shell-style quoting for log lines only (the process is never started through a shell). */
export function quoteArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Runs qemu-img with `args` and resolves when it has exited and its pipes are closed.
 * Abort: SIGTERM, then SIGKILL after the grace period; the result then has `aborted: true`.
 */
export async function runQemuImg(args: string[], opts: RunOptions): Promise<RunResult> {
  const prlimit = opts.limits ? await findPrlimit() : undefined;
  const argv = prlimit
    ? [prlimit, `--cpu=${INFO_CPU_SECONDS}`, `--as=${INFO_ADDRESS_SPACE_BYTES}`, '--', opts.qemuImgPath, ...args]
    : [opts.qemuImgPath, ...args];
  opts.log?.(`run: ${quoteArgv(argv)}`);
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ argv, code: null, signal: null, stdout: '', stderr: '', aborted: true, limited: !!prlimit });
      return;
    }
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', LANGUAGE: 'C' },
      stdio: ['ignore', 'pipe', 'pipe', opts.inheritFd ?? 'ignore'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? KILL_GRACE_MS);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // fds 1 and 2 are pipes (the 4-entry stdio array loses that in the typings).
    const out = child.stdout!;
    const err = child.stderr!;
    out.setEncoding('utf8');
    err.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += chunk;
      opts.onStdout?.(chunk);
    });
    err.on('data', (chunk: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += chunk;
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const done = () => {
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      const missing = err.code === 'ENOENT' || err.code === 'EACCES';
      reject(
        new QemuImgError(
          missing ? 'qemu-img-missing' : 'failed',
          missing ? `${argv[0]} could not be started (${err.code}).` : `qemu-img could not be started: ${err.message}`,
          argv[0],
          undefined,
          missing ? ['install-qemu-img', 'choose-qemu-img'] : [],
        ),
      );
    });
    child.on('close', (code, signal) => {
      done();
      try {
        if (stderr.trim()) opts.log?.(`qemu-img stderr: ${stderr.trim()}`);
      } catch {
        // A log sink that fails (a closed channel) must not leave the run unresolved, nor crash its caller.
      }
      resolve({ argv, code, signal, stdout, stderr, aborted, limited: !!prlimit });
    });
  });
}

const versions = new Map<string, Promise<number[] | undefined>>();
/** "qemu-img version 7.2.22 (Debian …)" → [7, 2, 22]; asked once per executable. */
export function qemuImgVersion(qemuImgPath: string): Promise<number[] | undefined> {
  let v = versions.get(qemuImgPath);
  if (!v) {
    v = runQemuImg(['--version'], { qemuImgPath }).then((r) => {
      const m = /version (\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
    });
    versions.set(qemuImgPath, v);
  }
  return v;
}

export interface ImageSnapshot {
  id: string;
  name: string;
  /** Bytes of saved VM state (0 for a disk-only snapshot). */
  vmStateSize: number;
  /** ISO date, when qemu-img gives one. */
  date?: string;
}

export interface ImageInfo {
  /** Absolute path that was read. */
  path: string;
  format: string;
  virtualSize: number;
  /** Bytes allocated on the host. */
  actualSize?: number;
  clusterSize?: number;
  /** qcow2: "0.10" (v2) or "1.1" (v3). */
  compat?: string;
  dirty: boolean;
  corrupt: boolean;
  encrypted: boolean;
  /** The backing file name as written in the image (never opened: see imageInfo). */
  backingFile?: string;
  fullBackingFile?: string;
  backingFormat?: string;
  /**
   * Backing files from this image down, as far as known without opening any of them: at most
   * the one named in this image. Opening a chain of untrusted names is what the CVEs abuse.
   */
  backingChain: string[];
  /** qcow2 external data file. */
  dataFile?: string;
  /** vmdk create type, e.g. monolithicSparse. */
  createType?: string;
  /** vmdk extent file names as qemu-img reports them. */
  extents?: string[];
  snapshots: ImageSnapshot[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Maps `qemu-img info --output=json` to ImageInfo. Throws on anything that is not that JSON. */
export function parseImageInfo(jsonText: string, file: string): ImageInfo {
  let j: Json;
  try {
    j = obj(JSON.parse(jsonText));
  } catch {
    throw new QemuImgError('failed', `qemu-img info printed something that is not JSON for ${file}; it may be too old or not qemu-img.`, file);
  }
  const format = str(j['format']);
  const virtualSize = num(j['virtual-size']);
  if (!format || virtualSize === undefined) {
    throw new QemuImgError('failed', `qemu-img info gave no format or virtual size for ${file}.`, file);
  }
  const specific = obj(obj(j['format-specific'])['data']);
  const backingFile = str(j['backing-filename']);
  const snapshots = Array.isArray(j['snapshots']) ? j['snapshots'].map(obj) : [];
  const extents = Array.isArray(specific['extents'])
    ? specific['extents'].map((e) => str(obj(e)['filename']) ?? '')
    : undefined;
  return {
    path: file,
    format,
    virtualSize,
    actualSize: num(j['actual-size']),
    clusterSize: num(j['cluster-size']),
    compat: str(specific['compat']),
    dirty: j['dirty-flag'] === true,
    corrupt: specific['corrupt'] === true,
    encrypted: j['encrypted'] === true,
    backingFile,
    fullBackingFile: str(j['full-backing-filename']),
    backingFormat: str(j['backing-filename-format']),
    backingChain: backingFile ? [backingFile] : [],
    dataFile: str(specific['data-file']),
    createType: str(specific['create-type']),
    extents,
    snapshots: snapshots.map((s) => {
      const sec = num(s['date-sec']);
      return {
        id: str(s['id']) ?? '',
        name: str(s['name']) ?? '',
        vmStateSize: num(s['vm-state-size']) ?? 0,
        date: sec !== undefined ? new Date(sec * 1000).toISOString() : undefined,
      };
    }),
  };
}

export interface ImageInfoOptions {
  /** The `-f` value; qemu-img never probes. */
  format: string;
  /** Configured qemu-img (setting); found with locateQemuImg. */
  qemuImgPath?: string;
  /** -U: read an image a running VM holds (results may be inconsistent). Off by default. */
  forceShare?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Passed on to runQemuImg (the file argument is then /proc/self/fd/3). */
  inheritFd?: number;
  /** How messages name the image when the file argument is not its path. */
  label?: string;
}

/**
 * `qemu-img info -f <format> --output=json <abs path>` under prlimit. qemu-img info opens the
 * image without its backing file and without I/O (no backing chain is followed).
 */
export async function imageInfo(file: string, opts: ImageInfoOptions): Promise<ImageInfo> {
  const abs = path.resolve(file);
  const qemuImgPath = await locateQemuImg(opts.qemuImgPath);
  const args = ['info', '-f', opts.format, '--output=json', ...(opts.forceShare ? ['-U'] : []), abs];
  const r = await runQemuImg(args, { qemuImgPath, limits: true, signal: opts.signal, log: opts.log, inheritFd: opts.inheritFd });
  const name = opts.label ?? abs;
  const ctx = { action: `reading ${name}`, source: name };
  if (r.aborted) throw new QemuImgError('failed', `Reading ${name} with qemu-img info was cancelled.`, name);
  if (r.signal) {
    const e = explainSignal(r.signal, ctx, r.limited);
    throw new QemuImgError(e.kind, e.message, name, r.stderr);
  }
  if (r.code !== 0) {
    const stderr = r.stderr.split(abs).join(name);
    const e = explainQemuImgStderr(stderr, ctx);
    throw new QemuImgError(e.kind, e.message, e.file ?? name, stderr);
  }
  return parseImageInfo(r.stdout, abs);
}
