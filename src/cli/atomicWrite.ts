// Replaces a file's content so that a crash or a full disk leaves either the old or the new
// file, never half of one: temp file in the same directory, fsync, rename over the original.
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

export function writeFileAtomic(file: string, data: Uint8Array): void {
  // Write through a symlink to its target rather than replacing the link with a plain file.
  const real = fs.realpathSync(file);
  const st = fs.statSync(real);
  // pid + time + counter is unique enough with 'wx' refusing an existing name (and avoids
  // loading node:crypto, which costs the CLI's start-up ~10 ms).
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${process.pid}.${Date.now().toString(36)}${counter++}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = fs.openSync(tmp, 'wx', st.mode & 0o7777);
    created = true;
    fs.writeFileSync(fd, data);
    fs.fchmodSync(fd, st.mode & 0o7777); // the umask may have narrowed the mode at open
    try {
      fs.fchownSync(fd, st.uid, st.gid);
    } catch {
      // only root may give a file away; keeping our own ownership is the best we can do
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, real);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    if (created) fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(path.dirname(real));
}

/** Makes the rename itself durable; not every file system lets a directory be opened for it. */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}
