// Reading the domains of a libvirt connection through `virsh` subprocesses (no native binding:
// virsh is what every libvirt host already has, and it speaks every URI: qemu:///system,
// qemu+ssh://, qemu+tls://, test:///). Every call is read-only: `virsh --readonly` opens the
// connection with VIR_CONNECT_RO, so the daemon itself refuses any change (and a user who may
// only read, e.g. through the libvirt-sock-ro socket, can still lint).
import { spawn, type ChildProcess } from 'node:child_process';

/** How long one virsh call may take: an ssh host that does not answer makes TCP wait minutes. */
export const VIRSH_TIMEOUT_MS = 60_000;
/** virsh processes run at once per connection (one per domain dump). */
const PARALLEL_DUMPS = 4;
const MAX_CAPTURE = 16 * 1024 * 1024;

export interface VirshResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed after VIRSH_TIMEOUT_MS. */
  timedOut?: boolean;
}

/** Runs `virsh ARGS`; rejects only when virsh cannot be started (err.code ENOENT: not installed). */
export type VirshRunner = (args: readonly string[], signal?: AbortSignal) => Promise<VirshResult>;

/** Why a connection or a domain could not be read; each front words the message as it is (it names no flag or setting). */
export type LibvirtProblem = 'virsh-missing' | 'unreachable' | 'auth' | 'timeout' | 'domain-gone' | 'failed';

export class LibvirtError extends Error {
  constructor(
    readonly problem: LibvirtProblem,
    readonly uri: string,
    message: string,
    /** virsh's own words, as it printed them. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** What a runner rejects with when its signal aborts it (the name the editor's Cancel checks for). */
const virshStopped = (): Error => Object.assign(new Error('virsh was stopped'), { name: 'AbortError' });

/**
 * Ends a virsh and everything it started: it leads a process group of its own (detached), and
 * for a remote URI ssh or nc runs in that group; killing virsh alone would leave them behind.
 */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * virsh with an argument array (never a shell), LC_ALL=C so its messages are the English ones
 * classify() knows, stdin closed and in a session of its own (no controlling terminal): a SASL
 * or ssh password prompt fails at once instead of waiting for a user who runs a fleet lint from
 * CI. SSH_ASKPASS_REQUIRE=never keeps ssh from opening a GUI prompt instead. Its own session
 * also means a Ctrl+C in the terminal never reaches it: the signal (the CLI's SIGINT/SIGTERM,
 * the editor's Cancel) ends its process group, and the promise rejects with virshStopped().
 */
export function spawnVirsh(program = 'virsh'): VirshRunner {
  return (args, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(virshStopped());
      const child = spawn(program, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        env: { ...process.env, LC_ALL: 'C', LANG: 'C', SSH_ASKPASS_REQUIRE: 'never' },
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const stop = () => killGroup(child);
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, VIRSH_TIMEOUT_MS);
      signal?.addEventListener('abort', stop, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
      };
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        if (stdout.length < MAX_CAPTURE) stdout += s;
      });
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        if (stderr.length < MAX_CAPTURE) stderr += s;
      });
      child.on('error', (err) => {
        done();
        reject(err);
      });
      child.on('close', (code) => {
        done();
        if (signal?.aborted) reject(virshStopped());
        else resolve({ code, stdout, stderr, timedOut });
      });
    });
}

/** virsh's error lines without the "error: " prefix, joined: what it said, for a message. */
function virshSaid(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^error:\s*/, '').trim())
    .filter((l) => l && !/^failed to connect to the hypervisor$/i.test(l) && !/^Please enter your/i.test(l))
    .join('; ');
}

const INSTALL_VIRSH = 'Install virsh (Debian/Ubuntu: sudo apt install libvirt-clients; Fedora/RHEL: sudo dnf install libvirt-client), then run this again.';

/** A failed connection in an operator's words: what happened on which URI, and what to do. */
function classify(uri: string, r: VirshResult): LibvirtError {
  const said = virshSaid(r.stderr) || `virsh exited with status ${r.code}`;
  if (r.timedOut) {
    return new LibvirtError('timeout', uri, `${uri}: no answer within ${VIRSH_TIMEOUT_MS / 1000} s, so its domains were not checked. Check that the host is up and reachable (ssh or TLS port open) and try again.`, said);
  }
  const ssh = /ssh/i.test(uri.split(':')[0]) || /\bssh:/.test(said);
  // ssh's "Permission denied (publickey)", SASL and polkit refusals, and a socket this user may not open.
  if (/Permission denied|Host key verification failed|authentication (failed|unavailable)|no polkit agent|not authorized|access denied/i.test(said)) {
    const todo = ssh
      ? 'Make ssh log in without a prompt (an ssh key in ssh-agent, the host key in known_hosts: try ssh once by hand); virsh is run without a terminal and never asks for a password.'
      : 'Reading needs only read-only access: run as a user the daemon lets in (root, or a member of the libvirt group), or give a URI whose credentials work without a prompt.';
    return new LibvirtError('auth', uri, `${uri}: libvirt refused the connection (${said}), so its domains were not checked. ${todo}`, said);
  }
  if (/Failed to connect socket|Cannot recv data|unable to connect to server|Connection refused|No route to host|Could not resolve hostname|Name or service not known|no connection driver available|Connection reset/i.test(said)) {
    return new LibvirtError(
      'unreachable',
      uri,
      `${uri}: cannot connect (${said}), so its domains were not checked. Check the URI (qemu:///system for this host's system daemon, qemu+ssh://user@host/system for another host) and that libvirtd or virtqemud runs there.`,
      said,
    );
  }
  return new LibvirtError('failed', uri, `${uri}: virsh failed (${said}), so its domains were not checked.`, said);
}

async function virsh(run: VirshRunner, uri: string, args: readonly string[], signal?: AbortSignal): Promise<VirshResult> {
  try {
    return await run(['--readonly', '--connect', uri, ...args], signal);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new LibvirtError('virsh-missing', uri, `${uri}: virsh is not installed (not on PATH), and it is how domains are read. ${INSTALL_VIRSH}`);
    throw err;
  }
}

export interface DomainName {
  name: string;
  /** Defined (starts again from its definition); false for a transient domain (virsh create). */
  persistent: boolean;
}

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => l !== '');

/** Every domain of the connection, running or not (`list --all --name`), and which are transient. */
export async function listDomains(uri: string, run: VirshRunner, signal?: AbortSignal): Promise<DomainName[]> {
  const all = await virsh(run, uri, ['list', '--all', '--name'], signal);
  if (all.code !== 0) throw classify(uri, all);
  const transient = await virsh(run, uri, ['list', '--transient', '--name'], signal);
  if (transient.code !== 0) throw classify(uri, transient);
  const t = new Set(lines(transient.stdout));
  return lines(all.stdout).map((name) => ({ name, persistent: !t.has(name) }));
}

/**
 * The domain's XML as its next start uses it: `dumpxml --inactive`, the persistent definition.
 * The live XML of a running domain says how it runs now, which a change with virt-xml or
 * `virsh edit` does not alter until the domain is powered off; linting it would report what is
 * already fixed. (A transient domain has no other XML: libvirt returns the live one.) Secrets
 * stay out: no --security-info.
 */
export async function dumpDomainXml(uri: string, name: string, run: VirshRunner, signal?: AbortSignal): Promise<string> {
  const r = await virsh(run, uri, ['dumpxml', '--inactive', '--domain', name], signal);
  if (r.code === 0) return r.stdout;
  const said = virshSaid(r.stderr);
  if (/failed to get domain|Domain not found/i.test(said)) {
    throw new LibvirtError('domain-gone', uri, `${uri}: domain '${name}' was undefined while the domains were read; nothing left to check.`, said);
  }
  throw classify(uri, r);
}

export interface LiveDomain extends DomainName {
  uri: string;
  xml?: string;
  /** Why this domain could not be read (the others still were). */
  error?: LibvirtError;
}

/** Runs fn over items, at most `limit` at a time, keeping their order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Every domain of a connection with its XML. Throws LibvirtError when the connection itself
 * fails; a domain that fails alone carries its error and the others are still read.
 */
export async function readDomains(uri: string, run: VirshRunner, signal?: AbortSignal): Promise<LiveDomain[]> {
  const names = await listDomains(uri, run, signal);
  return mapLimit(names, PARALLEL_DUMPS, async (d): Promise<LiveDomain> => {
    try {
      return { ...d, uri, xml: await dumpDomainXml(uri, d.name, run, signal) };
    } catch (e) {
      if (e instanceof LibvirtError) return { ...d, uri, error: e };
      throw e;
    }
  });
}
