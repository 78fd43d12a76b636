// Which cache or io value of a command line sits at an offset, for hover and completion: a
// `cache=`/`aio=` item of QEMU's -drive, an `aio=` of -blockdev, a `cache=`, `driver.cache=`,
// `io=` or `driver.io=` of virt-install's and virt-xml's --disk. The words come from the same
// splitting the rules use, so a value the rules read is the value hovered. qemu-img's -t/-T are
// left out: the mode facts shown describe a guest's disk, not a conversion.
import type { ModeTarget } from '../hoverTargets';
import { invocationOf } from './shellScript';
import { plainRange, type ShellWord } from './shellWords';

const VIRT = /^virt-(?:install|xml)$/;

/** The keys of each option whose value is a cache or io mode, and how the option's values are written. */
function keysOf(program: string, option: string): { cache: readonly string[]; io: readonly string[]; noDefault: boolean } | undefined {
  if (VIRT.test(program)) return option === '--disk' ? { cache: ['cache', 'driver.cache'], io: ['io', 'driver.io'], noDefault: false } : undefined;
  if (program === 'qemu-img') return undefined;
  // QEMU refuses libvirt's 'default' (bdrv_parse_cache_mode).
  if (option === '-drive' || option === '--drive') return { cache: ['cache'], io: ['aio'], noDefault: true };
  if (option === '-blockdev' || option === '--blockdev') return { cache: [], io: ['aio'], noDefault: true };
  return undefined;
}

/** The option word before `w` names, or `--disk=…` inside it: the option and where its value starts in `w`. */
function optionOf(args: readonly ShellWord[], i: number): { option: string; from: number } | undefined {
  const eq = /^(--disk|--drive|--blockdev)=/.exec(args[i].value);
  if (eq) return { option: eq[1], from: eq[0].length };
  return i > 0 ? { option: args[i - 1].value, from: 0 } : undefined;
}

/** The cache/io value under `offset` in these commands, if any. */
export function commandLineTargetAt(commands: readonly (readonly ShellWord[])[], offset: number): ModeTarget | undefined {
  for (const words of commands) {
    const inv = invocationOf(words);
    if (!inv) continue;
    const i = inv.args.findIndex((w) => offset >= w.start && offset <= w.end);
    if (i < 0) continue;
    const w = inv.args[i];
    const opt = optionOf(inv.args, i);
    const keys = opt && keysOf(inv.program, opt.option);
    if (!opt || !keys) return undefined;
    // The character position of the offset in the word's value, then the comma item around it.
    let pos = 0;
    while (pos < w.value.length && w.ends[pos] <= offset) pos++;
    if (pos < opt.from) return undefined;
    const from = Math.max(opt.from, w.value.lastIndexOf(',', pos - 1) + 1);
    const comma = w.value.indexOf(',', pos);
    const to = comma < 0 ? w.value.length : comma;
    const item = w.value.slice(from, to);
    const eq = item.indexOf('=');
    if (eq < 0 || from + eq + 1 > pos) return undefined;
    const key = item.slice(0, eq).replace(/^(?:[\w-]+\.)*(?=aio$)/, '');
    const attr = keys.cache.includes(key) ? 'cache' : keys.io.includes(key) ? 'io' : undefined;
    const r = attr && plainRange(w, from + eq + 1, to);
    if (!attr || !r) return undefined;
    return { attr, value: item.slice(eq + 1), start: r.start, end: r.end, hoverStart: r.start, hoverEnd: r.end, label: `${item.slice(0, eq)}=${item.slice(eq + 1)}`, ...(keys.noDefault ? { noDefault: true } : {}) };
  }
  return undefined;
}
