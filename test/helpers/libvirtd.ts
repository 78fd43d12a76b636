// A private libvirtd for tests: the real daemon with its QEMU driver, in session mode (the mode
// an unprivileged user's qemu:///session runs in), with its socket, configuration, domain
// definitions and logs all under one temporary directory, so it never touches the machine's
// libvirt. As root, the daemon runs as nobody (setpriv), because a root libvirtd is the system
// daemon and would use /etc/libvirt and /run/libvirt; clients connect as root through the socket
// named in the URI: qemu:///session?socket=DIR/run/libvirt/libvirt-sock.
//
// What works in a container without systemd (Debian 12, libvirt 9.0): libvirtd needs no systemd
// socket activation when started by hand; it logs that D-Bus, dnsmasq, udev's DMI data and (as
// nobody) /dev/kvm are missing and carries on. Domains are type='qemu' (TCG), so they define and
// start without /dev/kvm; `virsh start --paused` keeps a started one from using CPU. Starting a
// domain makes the daemon spawn a session virtlogd, which outlives it: stop() kills it by its
// pid file. The modular virtqemud is not in the Debian 12 packages installed here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const NOBODY = 65534;

export interface PrivateLibvirtd {
  uri: string;
  dir: string;
  /** virsh against this daemon (read-write), throwing with virsh's stderr when it fails. */
  virsh(...args: string[]): string;
  /** Stops running domains, the daemon and the virtlogd it started; removes the directory. */
  stop(): Promise<void>;
}

/** Why the daemon cannot be tried here, or undefined when it can. */
export function libvirtdMissing(): string | undefined {
  for (const bin of ['/usr/sbin/libvirtd', '/usr/bin/virsh']) if (!fs.existsSync(bin)) return `${bin} is not installed (scripts/install-system-deps.sh installs libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients)`;
  if (process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is missing: a root test cannot run the session daemon as nobody';
  return undefined;
}

function waitFor(check: () => boolean, ms: number, what: string, log: string): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > until) return reject(new Error(`${what} within ${ms} ms; libvirtd log:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '(none)'}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

/** Starts the daemon; `config` is libvirtd.conf text (e.g. auth_unix_rw = "sasl" for a daemon that refuses us). */
export async function startLibvirtd(config = ''): Promise<PrivateLibvirtd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-libvirtd-'));
  const root = process.getuid?.() === 0;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LC_ALL: 'C',
    HOME: path.join(dir, 'home'),
    XDG_RUNTIME_DIR: path.join(dir, 'run'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    XDG_DATA_HOME: path.join(dir, 'data'),
  };
  for (const d of ['home', 'run', 'config', 'cache', 'data', 'images']) fs.mkdirSync(path.join(dir, d), { mode: 0o700 });
  const conf = path.join(dir, 'libvirtd.conf');
  fs.writeFileSync(conf, config);
  if (root) for (const p of [dir, ...fs.readdirSync(dir).map((d) => path.join(dir, d))]) fs.chownSync(p, NOBODY, NOBODY);
  const log = path.join(dir, 'libvirtd.log');
  const out = fs.openSync(log, 'w');
  // --timeout: should a test die before stop(), the idle daemon still goes away by itself.
  const args = ['--timeout', '300', '-f', conf];
  const child: ChildProcess = root
    ? spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '/usr/sbin/libvirtd', ...args], { env, stdio: ['ignore', out, out] })
    : spawn('/usr/sbin/libvirtd', args, { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const socket = path.join(dir, 'run', 'libvirt', 'libvirt-sock');
  const uri = `qemu:///session?socket=${socket}`;
  const virsh = (...a: string[]): string => {
    const r = spawnSync('virsh', ['--connect', uri, ...a], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, timeout: 60_000 });
    if (r.status !== 0) throw new Error(`virsh ${a.join(' ')}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  const stop = async () => {
    try {
      for (const name of virsh('list', '--name').split('\n').filter(Boolean)) virsh('destroy', name);
    } catch {
      // the daemon is already gone
    }
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // virtlogd is started by the daemon (to log a domain's start) and outlives it.
    const logd = path.join(dir, 'run', 'libvirt', 'virtlogd.pid');
    if (fs.existsSync(logd)) {
      const pid = Number(fs.readFileSync(logd, 'utf8').trim());
      if (pid > 1) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(() => child.exitCode === null && fs.existsSync(socket), 30_000, 'the libvirtd socket did not appear', log);
    await waitFor(() => spawnSync('virsh', ['--connect', uri, 'uri'], { stdio: 'ignore', timeout: 10_000 }).status === 0 || !!config, 30_000, 'virsh could not connect', log);
  } catch (e) {
    await stop();
    throw e;
  }
  return { uri, dir, virsh, stop };
}

/** A raw image file the daemon (running as nobody when we are root) may open. */
export function imageFile(d: PrivateLibvirtd, name: string): string {
  const file = path.join(d.dir, 'images', name);
  fs.writeFileSync(file, Buffer.alloc(1024 * 1024));
  if (process.getuid?.() === 0) fs.chownSync(file, NOBODY, NOBODY);
  return file;
}
