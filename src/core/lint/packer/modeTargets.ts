// Which cache/io value of a Packer template sits at an offset, for hover and completion: the
// disk_cache value (only the values Packer's config.go accepts are valid), and the cache=/aio=
// items of a qemuargs -drive, read from the command line the rules read (packerCommands).
import type { ModeTarget } from '../hoverTargets';
import { commandLineTargetAt } from '../commandLine/modeTargets';
import { plainRange, type ShellWord } from '../commandLine/shellWords';
import { packerSources } from './index';
import { PACKER_DISK_CACHE, packerCommands, showAttr } from './template';

/** Where a string value is written; an empty one (being typed) sits right after its opening quote. */
function valueRange(text: string, w: ShellWord): { start: number; end: number } | undefined {
  if (w.value !== '') return plainRange(w, 0, w.value.length);
  return text[w.start] === '"' ? { start: w.start + 1, end: w.start + 1 } : undefined;
}

export function packerTargetAt(text: string, offset: number): ModeTarget | undefined {
  const sources = packerSources(text);
  for (const s of sources) {
    const w = s.attrs.get('disk_cache')?.value;
    const r = w && valueRange(text, w);
    if (!w || !r || offset < r.start || offset > r.end) continue;
    return { attr: 'cache', value: w.value, start: r.start, end: r.end, hoverStart: r.start, hoverEnd: r.end, label: showAttr(s.syntax, 'disk_cache', w.value), valid: PACKER_DISK_CACHE, validFor: "Packer's QEMU builder" };
  }
  return commandLineTargetAt(sources.flatMap(packerCommands), offset);
}
