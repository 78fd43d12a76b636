// qemu-img's stderr in plain words for an operator. qemu-img exits 1 for every failure
// (sources.md B.2), so the message text is all there is to tell the causes apart.
import type { Remedy } from '../remedy';

export type QemuImgErrorKind =
  | 'qemu-img-missing'
  | 'in-use'
  | 'no-space'
  | 'o-direct'
  | 'permission'
  | 'not-found'
  | 'format-mismatch'
  | 'limits'
  | 'failed';

export class QemuImgError extends Error {
  constructor(
    readonly kind: QemuImgErrorKind,
    message: string,
    readonly file?: string,
    readonly stderr?: string,
    /** What the user can do; each front words it (remedy.ts). */
    readonly remedies: readonly Remedy[] = [],
  ) {
    super(message);
    this.name = 'QemuImgError';
  }
}

export interface ExplainContext {
  /** What qemu-img was doing, e.g. "converting /a/b.qcow2" or "reading /a/b.qcow2". */
  action: string;
  /** The file qemu-img writes, if any: where "disk full" and "permission" most likely point. */
  target?: string;
  /** The file qemu-img reads. */
  source?: string;
}

export interface Explained {
  kind: QemuImgErrorKind;
  message: string;
  file?: string;
}

/** Limits `qemu-img info` runs under on untrusted images (Nova's, OSSA-2016-012): prlimit --cpu and --as. */
export const INFO_CPU_SECONDS = 30;
export const INFO_ADDRESS_SPACE_BYTES = 2 * 1024 * 1024 * 1024;

/** The file named in qemu's "Could not open 'X'" / "Could not create 'X'" / "image [X]" text. */
function fileInStderr(stderr: string): string | undefined {
  const m =
    /Is another process using the image \[(.+?)\]\?/.exec(stderr) ??
    /Could not (?:open|create|reopen) '(.+?)'/.exec(stderr) ??
    /qemu-img: ([^:\n]+): error while/.exec(stderr);
  return m?.[1];
}

/** The last meaningful stderr line, without the "qemu-img: " prefix: shown verbatim at the end. */
function lastStderrLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^qemu-img:\s*/, '').trim())
    .filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
}

interface Rule {
  kind: QemuImgErrorKind;
  test: RegExp;
  say: (file: string | undefined, ctx: ExplainContext) => { message: string; file?: string };
}

// Order matters: a lock failure also says "Could not open", a full disk may also mention the path.
const RULES: Rule[] = [
  {
    kind: 'in-use',
    test: /Failed to get "?(?:shared|exclusive)"? "(?:write|consistent read)" lock/,
    say: (file, ctx) => {
      const f = file ?? ctx.source ?? 'the image';
      return {
        file: f,
        message: `${f} is in use by another process (a running VM or qemu-nbd, most likely), so qemu-img could not lock it. Shut that VM down or convert a copy of the image, then try again.`,
      };
    },
  },
  {
    kind: 'no-space',
    test: /No space left on device|Disk quota exceeded|ENOSPC|EDQUOT/,
    say: (_file, ctx) => ({
      file: ctx.target,
      message: `The disk holding ${ctx.target ?? 'the target'} is full, so qemu-img stopped while ${ctx.action}. Free some space there or pick a target folder on another disk.`,
    }),
  },
  {
    kind: 'o-direct',
    test: /does not support O_DIRECT/,
    say: (file, ctx) => ({
      file: file ?? ctx.target,
      message: `The filesystem of ${file ?? ctx.target ?? 'the target'} refuses O_DIRECT (cache mode "none"); cache mode "writeback" works there.`,
    }),
  },
  {
    kind: 'permission',
    test: /Permission denied|Read-only file system|Operation not permitted|EACCES|EROFS|EPERM/,
    say: (file, ctx) => {
      const f = file ?? ctx.target ?? ctx.source;
      const reading = f !== undefined && f === ctx.source;
      return {
        file: f,
        message: reading
          ? `qemu-img may not read ${f}: permission denied. Check the file's owner and mode.`
          : `qemu-img may not write ${f ?? 'the target'}: permission denied or a read-only filesystem. Pick a folder you can write to (or remount it read-write).`,
      };
    },
  },
  {
    kind: 'not-found',
    test: /No such file or directory/,
    say: (file, ctx) => {
      const f = file ?? ctx.source;
      return { file: f, message: `${f ?? 'A file'} does not exist (it may have been moved or deleted while ${ctx.action}).` };
    },
  },
  {
    kind: 'format-mismatch',
    test: /Image is not in \S+ format|is not in [a-z0-9]+ format|Unknown (?:driver|file format)/i,
    say: (file, ctx) => {
      const f = file ?? ctx.source;
      return { file: f, message: `qemu-img does not read ${f ?? 'the image'} as the format it was told: ${ctx.action} stopped.` };
    },
  },
];

/** Turns qemu-img's stderr into a kind and a sentence that names the file and what to do. */
export function explainQemuImgStderr(stderr: string, ctx: ExplainContext): Explained {
  const file = fileInStderr(stderr);
  const detail = lastStderrLine(stderr);
  for (const rule of RULES) {
    if (rule.test.test(stderr)) {
      const said = rule.say(file, ctx);
      return { kind: rule.kind, message: `${said.message} (qemu-img: ${detail})`, file: said.file };
    }
  }
  const f = file ?? ctx.source;
  return {
    kind: 'failed',
    file: f,
    message: detail
      ? `qemu-img failed while ${ctx.action}: ${detail}`
      : `qemu-img failed while ${ctx.action} and printed no reason.`,
  };
}

/** A run that ended by a signal rather than an exit code. */
export function explainSignal(signal: string, ctx: ExplainContext, limited: boolean): Explained {
  if (limited && (signal === 'SIGXCPU' || signal === 'SIGKILL' || signal === 'SIGSEGV' || signal === 'SIGABRT')) {
    return {
      kind: 'limits',
      file: ctx.source,
      message: `qemu-img was stopped (${signal}) while ${ctx.action}: it went over the ${INFO_CPU_SECONDS} s CPU / ${INFO_ADDRESS_SPACE_BYTES / 2 ** 30} GiB memory limit set for reading untrusted images. The image may be crafted to exhaust the host; do not use it.`,
    };
  }
  return {
    kind: 'failed',
    file: ctx.source,
    message: `qemu-img was killed by ${signal} while ${ctx.action} (out of memory, or stopped by another program). Nothing was kept; try again.`,
  };
}
