// What each cache and io mode does, once, for rules, hovers, completion and the convert command.
// Facts: sources.md A.1/A.2 (QEMU block.c bdrv_parse_cache_mode, qemu-options.hx) and
// measured.md (flush counts with strace).

export const CACHE_MODES = ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export const IO_MODES = ['threads', 'native', 'io_uring'] as const;
export type IoMode = (typeof IO_MODES)[number];

export interface ModeFacts {
  /** One line, for completion items and short messages. */
  summary: string;
  hostPageCache: string;
  oDirect: string;
  guestWriteCache: string;
  flushes: string;
  hostCrash: string;
  speed: string;
}

export const CACHE_MODE_FACTS: Readonly<Record<CacheMode, ModeFacts>> = {
  default: {
    summary: "QEMU's default, which is writeback (since QEMU 1.2).",
    hostPageCache: 'yes (as writeback)',
    oDirect: 'no',
    guestWriteCache: 'on',
    flushes: 'honoured (fdatasync)',
    hostCrash: 'safe for data the guest flushed',
    speed: 'fast',
  },
  none: {
    summary: 'Bypasses the host page cache (O_DIRECT); guest flushes honoured. Crash-safe for guests that flush.',
    hostPageCache: 'no',
    oDirect: 'yes (fails where the filesystem lacks O_DIRECT)',
    guestWriteCache: 'on',
    flushes: 'honoured (fdatasync)',
    hostCrash: 'safe for data the guest flushed',
    speed: 'fast, steady; no host read cache',
  },
  writeback: {
    summary: 'Uses the host page cache; guest flushes honoured. As crash-safe as none for guests that flush.',
    hostPageCache: 'yes',
    oDirect: 'no',
    guestWriteCache: 'on',
    flushes: 'honoured (fdatasync)',
    hostCrash: 'safe for data the guest flushed',
    speed: 'fast; reads cached on the host',
  },
  writethrough: {
    summary: 'Host page cache, but every write is synchronous (one flush per write). Slow; safe even for guests that never flush.',
    hostPageCache: 'yes',
    oDirect: 'no',
    guestWriteCache: 'off',
    flushes: 'every write is flushed',
    hostCrash: 'safe, even for guests that never flush',
    speed: 'slow writes (one flush per write)',
  },
  directsync: {
    summary: 'O_DIRECT and every write synchronous. Slowest; safe even for guests that never flush.',
    hostPageCache: 'no',
    oDirect: 'yes (fails where the filesystem lacks O_DIRECT)',
    guestWriteCache: 'off',
    flushes: 'every write is flushed',
    hostCrash: 'safe, even for guests that never flush',
    speed: 'slowest writes',
  },
  unsafe: {
    summary: 'Ignores guest flushes. Fast, but a host crash or power loss can corrupt the image.',
    hostPageCache: 'yes',
    oDirect: 'no',
    guestWriteCache: 'on',
    flushes: 'ignored',
    hostCrash: 'NOT safe: the image may be left unusable',
    speed: 'fastest',
  },
};

export const IO_MODE_FACTS: Readonly<Record<IoMode, string>> = {
  threads: 'A pool of host threads does the I/O. Works with every cache mode.',
  native: "Linux native AIO. Needs O_DIRECT: cache='none' or 'directsync', else libvirt and QEMU refuse the disk.",
  io_uring: 'Linux io_uring (libvirt >= 6.3, QEMU >= 5.0). Works with every cache mode.',
};

/** Aliases people write that mean a valid mode (QEMU accepts `off` for `none`; libvirt does not). */
const ALIASES: Readonly<Record<string, string>> = { off: 'none', nocache: 'none', 'write-back': 'writeback', 'write-through': 'writethrough', 'direct-sync': 'directsync', 'io-uring': 'io_uring', iouring: 'io_uring', thread: 'threads', aio: 'native' };

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * The valid value a mistyped one most likely meant: same letters in another case, with stray
 * blanks or punctuation around or inside (`'writeback '`, `"Writeback;"`), a known alias, or the
 * single closest value within two edits. Undefined when nothing is close.
 */
export function suggestValue(value: string, valid: readonly string[]): string | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  const same = (x: string) => valid.find((m) => m.toLowerCase() === x);
  const exact = same(v);
  if (exact) return exact;
  const alias = ALIASES[v];
  if (alias && valid.includes(alias)) return alias;
  // Only letters and '_' make up a mode (io_uring): anything else typed in is a stray.
  const letters = v.replace(/[^a-z_]/g, '');
  const stripped = letters !== '' ? same(letters) ?? ALIASES[letters] : undefined;
  if (stripped && valid.includes(stripped)) return stripped;
  // The distance is at least the difference in length: a value three longer cannot be close, and
  // measuring it would cost time in proportion to its length times the mode's.
  const typed = letters || v;
  const scored = valid.map((x) => ({ x, d: Math.abs(typed.length - x.length) > 2 ? Infinity : editDistance(typed, x) })).sort((a, b) => a.d - b.d);
  if (scored[0].d <= 2 && (scored.length === 1 || scored[1].d > scored[0].d)) return scored[0].x;
  return undefined;
}

const CACHE_MODE_SET: ReadonlySet<string> = new Set(CACHE_MODES);
const IO_MODE_SET: ReadonlySet<string> = new Set(IO_MODES);

export function isCacheMode(v: string): v is CacheMode {
  return CACHE_MODE_SET.has(v);
}

export function isIoMode(v: string): v is IoMode {
  return IO_MODE_SET.has(v);
}

/**
 * Modes that lose data the guest already flushed when the host crashes: QEMU's cache=unsafe sets
 * BDRV_O_NO_FLUSH (block.c bdrv_parse_cache_mode), so guest flushes never reach the disk.
 */
export const NOT_CRASH_SAFE: ReadonlySet<CacheMode> = new Set<CacheMode>(['unsafe']);
