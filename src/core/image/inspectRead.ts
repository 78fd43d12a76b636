// Read-only, positioned access to an image file for the inspector.
//
// The file is opened O_RDONLY|O_NONBLOCK (never for writing). O_NONBLOCK makes opening a FIFO
// return at once instead of hanging until a writer appears; the type is then checked on the open
// descriptor (fstat), so a path swapped between a check and the open cannot slip through.
//
// Regular files and block devices are accepted: converting an LVM volume or a mapped RBD/iSCSI
// disk is a normal operator task, and its content gets the same checks as a file. Directories,
// FIFOs, sockets and character devices are refused: they have no stable content to inspect and
// qemu-img reading them could block or consume a stream.

import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { ByteSource } from './inspectTypes';

export type ImageOpenErrorKind = 'not-found' | 'permission' | 'not-a-file' | 'unreadable';

/** The image could not be read at all. `path` is the file, `kind` what went wrong. */
export class ImageOpenError extends Error {
  constructor(
    readonly kind: ImageOpenErrorKind,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImageOpenError';
  }
}

export interface OpenedImage extends ByteSource {
  readonly kind: 'file' | 'block-device';
  /** The open descriptor, so a caller can hand qemu-img the very file that was inspected. */
  readonly fd: number;
  close(): Promise<void>;
}

function openFailure(path: string, err: NodeJS.ErrnoException): ImageOpenError {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ImageOpenError('not-found', path, `${path} does not exist. Check the path and try again.`);
    case 'EACCES':
    case 'EPERM':
      return new ImageOpenError('permission', path, `${path} cannot be read: permission denied. Check its owner and mode, or run as a user who may read it.`);
    case 'ELOOP':
      return new ImageOpenError('not-found', path, `${path} is a symbolic link loop. Point to the image file itself.`);
    case 'EISDIR':
      return new ImageOpenError('not-a-file', path, `${path} is a directory, not a disk image. Choose the image file inside it.`);
    default:
      return new ImageOpenError('unreadable', path, `${path} cannot be read (${err.code ?? err.message}). Check the file and the disk it is on.`);
  }
}

function notAFile(path: string, st: fs.Stats): ImageOpenError | undefined {
  const what = st.isDirectory() ? 'a directory'
    : st.isFIFO() ? 'a named pipe (FIFO)'
    : st.isSocket() ? 'a socket'
    : st.isCharacterDevice() ? 'a character device'
    : undefined;
  return what && new ImageOpenError('not-a-file', path, `${path} is ${what}, not a disk image file. Only regular files and block devices can be inspected and converted.`);
}

/** Size of a block device from sysfs (Linux); undefined where that is not available. */
async function blockDeviceSize(rdev: number): Promise<number | undefined> {
  const major = Math.floor(rdev / 256) & 0xfff | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | (Math.floor(rdev / 4096) & ~0xff);
  try {
    const sectors = Number((await fsp.readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
    return Number.isSafeInteger(sectors * 512) ? sectors * 512 : undefined;
  } catch {
    return undefined;
  }
}

/** Opens `path` read-only for inspection. Throws ImageOpenError naming the file when it cannot. */
export async function openImage(path: string): Promise<OpenedImage> {
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, flags);
  } catch (err) {
    // A socket cannot be opened at all (ENXIO); say what it is rather than quoting the errno.
    const st = await fsp.stat(path).catch(() => undefined);
    throw (st && notAFile(path, st)) || openFailure(path, err as NodeJS.ErrnoException);
  }
  try {
    const st = await handle.stat();
    const refused = notAFile(path, st);
    if (refused) throw refused;
    const kind = st.isBlockDevice() ? 'block-device' : 'file';
    const size = kind === 'file' ? st.size : await blockDeviceSize(st.rdev);
    return {
      kind,
      size,
      fd: handle.fd,
      async read(offset: number, length: number): Promise<Buffer> {
        const buf = Buffer.alloc(length);
        let filled = 0;
        try {
          while (filled < length) {
            const { bytesRead } = await handle.read(buf, filled, length - filled, offset + filled);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
        } catch (err) {
          throw openFailure(path, err as NodeJS.ErrnoException);
        }
        return buf.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err instanceof ImageOpenError ? err : openFailure(path, err as NodeJS.ErrnoException);
  }
}

/** The same access over bytes already in memory (tests, or data received over a stream). */
export function bufferSource(bytes: Buffer): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
  };
}
