// Does a directory's filesystem take O_DIRECT? Decides `-t none` (yes) or `-t writeback` (no).
// The filesystem type is never guessed (tmpfs refused O_DIRECT before Linux 6.6 and takes it
// since; ramfs refuses it): the probe does what qemu-img will do.
// 1. open(O_CREAT|O_EXCL|O_WRONLY|O_DIRECT): EINVAL is exactly QEMU's "filesystem does not
//    support O_DIRECT" test (util/osdep.c qemu_open_internal).
// 2. one aligned 4 KiB write with `dd oflag=direct` (Cinder's probe): some filesystems accept the
//    open and refuse the I/O. Node cannot allocate an aligned buffer, hence dd.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ODirectProbe {
  supported: boolean;
  /** One sentence for the log and ConvertResult.cacheReason. */
  reason: string;
}

/** An error the probe cannot answer for (read-only, permission, full, missing dir): rethrown. */
export class ProbeError extends Error {
  constructor(
    readonly code: string,
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

function ddDirectWrite(file: string): Promise<{ ok: boolean; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('dd', ['if=/dev/zero', `of=${file}`, 'bs=4096', 'count=1', 'oflag=direct', 'conv=notrunc', 'status=none'], {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', () => resolve({ ok: false, stderr: '', missing: true }));
    child.on('close', (code) => resolve({ ok: code === 0, stderr: stderr.trim(), missing: false }));
  });
}

export async function probeODirect(dir: string): Promise<ODirectProbe> {
  if (process.platform !== 'linux' || fs.constants.O_DIRECT === undefined) {
    return {
      supported: false,
      reason: `O_DIRECT is not used on ${process.platform}: QEMU turns it into synchronous writes there, so writeback is the durable fast choice.`,
    };
  }
  const file = path.join(dir, `.qemu-disk-tools-odirect-${process.pid}-${randomBytes(4).toString('hex')}`);
  const { O_CREAT, O_EXCL, O_WRONLY, O_DIRECT } = fs.constants;
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, O_CREAT | O_EXCL | O_WRONLY | O_DIRECT, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'EINVAL') {
      await fs.promises.rm(file, { force: true });
      return { supported: false, reason: `the filesystem of ${dir} refuses O_DIRECT (open: EINVAL), so cache mode "none" cannot be used there.` };
    }
    throw new ProbeError(code, dir, `Cannot create a file in ${dir} (${code}).`);
  }
  try {
    await handle.close();
    const dd = await ddDirectWrite(file);
    if (dd.missing) return { supported: true, reason: `${dir} accepts O_DIRECT (open succeeded; dd was not available to test a write).` };
    if (dd.ok) return { supported: true, reason: `${dir} accepts O_DIRECT (a 4 KiB direct write succeeded).` };
    if (/No space left/.test(dd.stderr)) throw new ProbeError('ENOSPC', dir, `The disk holding ${dir} is full.`);
    if (/Read-only|Permission denied/.test(dd.stderr)) throw new ProbeError('EACCES', dir, `Cannot write in ${dir}: ${dd.stderr}`);
    return { supported: false, reason: `the filesystem of ${dir} refuses O_DIRECT writes (${dd.stderr || 'dd failed'}).` };
  } finally {
    await fs.promises.rm(file, { force: true });
  }
}
