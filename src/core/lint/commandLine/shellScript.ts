// The shell-script dialect: QEMU, qemu-img, virt-install and virt-xml invocations in sh/bash
// scripts. Each -drive of a qemu-system-*/qemu-kvm/kvm invocation and each --disk of virt-install
// or virt-xml becomes a disk for the disk rules; qemu-img convert gets its own rules. Words are split as the shell splits them (shellWords.ts), and expansions stay
// opaque: a value that comes from a variable is never judged.
import type { Finding } from '../../types';
import type { Disk } from '../disk/model';
import { lintDisks } from '../disk';
import { OPAQUE, shellCommands, type ShellWord } from './shellWords';
import { readDrive } from './qemuDrive';
import { readBlockdev } from './qemuBlockdev';
import { convertWritethrough } from './qemuImgArgs';
import { convertAdvice } from './qemuImgConvert';
import { driveDefaultCache } from './driveDefaultCache';
import { virtInstallDisks } from './virtInstall';

const SYSTEM = /^(qemu-system-[A-Za-z0-9_.-]+|qemu-kvm|kvm)$/;
const QEMU_IMG = 'qemu-img';
const VIRT = /^virt-(?:install|xml)$/;

/** Cheap test for "this text may run one of our programs" (a file without one costs one scan). */
export const INVOCATION_HINT = /(?:^|[\s/;&|(`"'])(?:qemu-system-[\w.-]+|qemu-kvm|kvm|qemu-img|virt-install|virt-xml)(?=[\s;&|)`"']|$)/m;

/** Words that may stand before the program without being it. */
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time', 'exec', 'command', 'builtin']);
/** Programs that run the next one; their options (and an option's argument) come first. */
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'nice', 'ionice', 'nohup', 'timeout', 'taskset', 'numactl', 'chrt', 'stdbuf', 'setsid', 'runuser', 'prlimit', 'cgexec', 'systemd-run', 'flock']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
const NUMBERISH = /^[0-9][0-9a-fA-Fx.,:smhd-]*$/;

export interface Invocation {
  /** The program's name without its directory: qemu-img, qemu-system-x86_64, kvm. */
  program: string;
  args: ShellWord[];
}

/** The literal program name of a word (its directory may come from a variable), or undefined. */
function programName(w: ShellWord): string | undefined {
  const base = w.value.slice(w.value.lastIndexOf('/') + 1);
  return base.includes(OPAQUE) ? undefined : base;
}

/** The program a simple command runs, past assignments, reserved words and wrappers. */
export function invocationOf(words: readonly ShellWord[]): Invocation | undefined {
  let wrapped = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const name = programName(w);
    if (name !== undefined && (SYSTEM.test(name) || name === QEMU_IMG || VIRT.test(name))) return { program: name, args: words.slice(i + 1) };
    if (!wrapped && (ASSIGNMENT.test(w.value) || RESERVED.has(w.value))) continue;
    if (name !== undefined && WRAPPERS.has(name)) {
      wrapped = true;
      continue;
    }
    // A wrapper's options and their arguments (sudo -u root, nice -n 10, timeout 60).
    const prev = words[i - 1]?.value ?? '';
    if (wrapped && (w.value.startsWith('-') || prev.startsWith('-') || NUMBERISH.test(w.value) || ASSIGNMENT.test(w.value))) continue;
    return undefined;
  }
  return undefined;
}

/** The disks of an invocation: each `-drive` and `-blockdev` of QEMU, each --disk of virt-install and virt-xml. */
export function disksOf(inv: Invocation): Disk[] {
  if (VIRT.test(inv.program)) return virtInstallDisks(inv.program, inv.args);
  if (!SYSTEM.test(inv.program)) return [];
  const out: Disk[] = [];
  for (let i = 0; i + 1 < inv.args.length; i++) {
    const v = inv.args[i].value;
    if (v === '-drive' || v === '--drive') out.push(readDrive(inv.args[i], inv.args[++i]));
    else if (v === '-blockdev' || v === '--blockdev') out.push(...readBlockdev(inv.args[i], inv.args[++i]));
  }
  return out;
}

/** The findings of the invocations among these commands (each a list of words): disk rules on every -drive, qemu-img's rules. */
export function lintCommands(commands: readonly (readonly ShellWord[])[]): Finding[] {
  const invs = commands.map(invocationOf).filter((x): x is Invocation => !!x);
  const disks = invs.flatMap(disksOf);
  const findings = lintDisks(disks);
  for (const d of disks) findings.push(...driveDefaultCache(d));
  for (const inv of invs) if (inv.program === QEMU_IMG) findings.push(...convertWritethrough(inv.args), ...convertAdvice(inv.args));
  return findings;
}

/** Lints a shell script. Never throws. */
export function lintShellScript(text: string): Finding[] {
  try {
    if (!INVOCATION_HINT.test(text)) return [];
    return lintCommands(shellCommands(text).filter((c) => c.complete).map((c) => c.words));
  } catch {
    // Built not to throw; this only keeps a bug from crashing the editor.
    return [];
  }
}
