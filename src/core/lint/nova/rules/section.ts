// nova-cachemodes-section: disk_cachemodes lines Nova never reads (nova/conf/libvirt.py registers
// the option in [libvirt] only; option names are case-sensitive; an indented line is part of
// the value above it). Misplaced lines move into [libvirt].
import type { Finding, Fix } from '../../../types';
import type { IniEntry } from '../ini';
import type { NovaModel } from '../model';
import { deleteLines, insertIntoSection, insertLineAbove, lineStartOf } from '../novaEdits';
import { finding, novaRule, relatedEntry } from '../rule';

export const cachemodesSection = novaRule({
  id: 'nova-cachemodes-section',
  severity: 'error',
  title: 'disk_cachemodes where Nova never reads it',
  // A disk_cachemodes line indented under another disk_cachemodes makes that value unreadable
  // too; removing the indentation mends both, where a rewrite of the value would fold the line in.
  supersedes: ['nova-cachemodes-syntax'],
  *check(m): Generator<Finding> {
    for (const x of m.misplaced) yield x.kind === 'entry' ? misplaced(m, x.entry) : indented(m, x.owner, x.index, x.key);
  },
});

/** The fix that puts `line` into [libvirt], in place of the lines [start, end). */
function moveToLibvirt(m: NovaModel, start: number, end: number, line: string): Fix {
  const target = m.libvirtTarget();
  // An option [libvirt] already sets stays in force: the moved line goes above it, where the duplicate rule then shows both.
  const current = m.effective('libvirt', 'disk_cachemodes').filter((e) => e.section === target.section);
  const insert = current.length > 0 ? insertLineAbove(m.text, current[0].start, line, m.eol) : insertIntoSection(m.text, target.end, 'libvirt', line, m.eol);
  const fix: Fix = { title: target.section ? 'Move the line into [libvirt]' : 'Move the line into a new [libvirt] section', edits: [deleteLines(m.text, start, end), insert] };
  // Into or out of a template branch, the line would apply under other conditions than the
  // author wrote: offered, never preferred.
  if (m.rendersWith(start, insert.start) && m.rendersWith(insert.start, start)) fix.preferred = true;
  return fix;
}

function misplaced(m: NovaModel, e: IniEntry): Finding {
  const newLine = 'disk_cachemodes' + m.text.slice(e.keyEnd, e.end);
  const sec = e.section;
  const named = e.key === 'disk_cachemodes';
  const fixes: Fix[] = [];
  let message: string;
  if (sec?.group === 'libvirt') {
    message = e.key.toLowerCase() === 'libvirt_disk_cachemodes'
      ? `${e.key} is not an option Nova reads (it reads disk_cachemodes), so these cache modes are never applied. Rename it to disk_cachemodes.`
      : `${e.key} is not disk_cachemodes: option names are case-sensitive, so Nova ignores this line and its cache modes. Rename it to disk_cachemodes.`;
    fixes.push({ title: 'Rename to disk_cachemodes', edits: [{ start: e.keyStart, end: e.keyEnd, newText: 'disk_cachemodes' }], preferred: true });
  } else {
    const name = named ? 'disk_cachemodes' : `${e.key} (Nova reads disk_cachemodes)`;
    const moveTo = `Move the line into [libvirt]${named ? '' : ' as disk_cachemodes'}`;
    const spaced = sec !== undefined && sec.name.trim().toLowerCase() === 'libvirt';
    message = spaced
      ? `[${sec.name}] is not [libvirt] for oslo.config (blanks are part of a section name), so ${name} here is never read and its cache modes are not applied. ${moveTo}, or write the header as [libvirt].`
      : `${name} ${sec ? `in [${sec.name}]` : 'before any section header'} is never read: Nova takes it only from [libvirt], so these cache modes are not applied. ${moveTo}.`;
    fixes.push(moveToLibvirt(m, e.start, e.end, newLine));
    if (spaced) {
      fixes.push({ title: 'Rename the section to [libvirt]', edits: [{ start: sec.nameStart, end: sec.nameEnd, newText: 'libvirt' }] });
    }
  }
  const target = sec?.group === 'libvirt' ? undefined : m.libvirtTarget().section;
  const related = target ? [{ start: target.start, end: target.end, message: 'the [libvirt] section Nova reads disk_cachemodes from' }] : undefined;
  return finding(cachemodesSection, message, e.keyStart, e.keyEnd, fixes, { related, about: e });
}

/** `i`: the continuation line of `owner` that holds the indented disk_cachemodes (`key` as written). */
function indented(m: NovaModel, owner: IniEntry, i: number, key: string): Finding {
  const { start } = owner.continuations[i];
  const lineStart = lineStartOf(m.text, start);
  // Lines indented deeper right after it were written as its own continuation: they move with it.
  let end = owner.continuations[i].end;
  for (let j = i + 1; j < owner.continuations.length; j++) {
    const c = owner.continuations[j];
    if (c.start - lineStartOf(m.text, c.start) <= start - lineStart) break;
    end = c.end;
  }
  const inLibvirt = owner.section?.group === 'libvirt';
  const fix: Fix = inLibvirt
    ? { title: 'Remove the indentation', edits: [{ start: lineStart, end: start + key.length, newText: 'disk_cachemodes' }], preferred: true }
    : moveToLibvirt(m, start, end, 'disk_cachemodes' + m.text.slice(start + key.length, end));
  return finding(
    cachemodesSection,
    `This ${key} line is indented, so oslo.config reads it as more of the value of ${owner.key} above: Nova never sees these cache modes, and ${owner.key} gets a broken value. ${inLibvirt ? 'Remove the indentation' : 'Move the line into [libvirt], without indentation'}.`,
    start,
    start + key.length,
    [fix],
    { related: [relatedEntry(owner, 'the option whose value swallows the line')], about: owner },
  );
}
