// nova-cachemodes-duplicate: what a later setting overrides. A [libvirt] disk_cachemodes line set
// again later (oslo.config keeps the last), and an item whose type a later item of the same line
// sets again (LibvirtDriver.__init__ fills a dict: the last item of a type wins).
import type { Finding, Fix } from '../../../types';
import type { IniEntry } from '../ini';
import type { NovaModel, ReadItem, ReadLine } from '../model';
import { deleteLines, removeItem, replaceValue } from '../novaEdits';
import { finding, novaRule, q, relatedEntry } from '../rule';

export const cachemodesDuplicate = novaRule({
  id: 'nova-cachemodes-duplicate',
  severity: 'warning',
  title: 'disk_cachemodes item or line that a later one overrides',
  *check(m): Generator<Finding> {
    const read = new Map(m.readLines.map((l) => [l.entry, l]));
    for (const { entry, overriddenBy } of m.cachemodesLines) {
      if (overriddenBy) yield duplicateLine(m, entry, overriddenBy);
      else {
        const line = read.get(entry);
        if (line) for (const r of line.items) if (r.overriddenBy) yield duplicateItem(line, r);
      }
    }
  },
});

function duplicateItem(line: ReadLine, { item, overriddenBy: later }: ReadItem): Finding {
  const edit = removeItem(line.value.items, item.index);
  return finding(
    cachemodesDuplicate,
    `${q(item.type ?? '')} is set again later in this list (${q(later!.text)}) and the last one wins, so ${q(item.text)} is ignored. Remove it.`,
    item.start,
    item.end,
    edit ? [{ title: 'Remove the earlier item', edits: [edit], preferred: true }] : [],
    { related: [{ start: later!.start, end: later!.end, message: 'the item in effect' }], about: line.entry },
  );
}

function duplicateLine(m: NovaModel, e: IniEntry, later: IniEntry): Finding {
  // In a template, the later line may sit in a branch that does not always render: this line is
  // then in force whenever that branch is not, and no fix deletes or merges it.
  const always = m.rendersWith(e.start, later.start);
  const fixes: Fix[] = always ? [{ title: 'Remove this line', edits: [deleteLines(m.text, e.start, e.end)], preferred: true }] : [];
  const [mine, theirs] = [m.cleanItems(e), m.cleanItems(later)];
  if (mine && theirs && always && m.rendersWith(later.start, e.start)) {
    // Merging switches on the earlier line's other disk types, so it is offered, never preferred.
    const laterTypes = new Set(theirs.map((i) => i.type));
    const kept = mine.filter((i) => !laterTypes.has(i.type));
    if (kept.length > 0) {
      const merged = [...kept, ...theirs].map((i) => i.text).join(',');
      const title = merged.length <= 60 ? `Merge into the later line: ${merged}` : 'Merge into the later line';
      fixes.push({ title, edits: [deleteLines(m.text, e.start, e.end), replaceValue(later, merged, m.text)] });
    }
  }
  // One wording for every overridden line: what overrides it, what is lost, what to do.
  const n = later.line + 1;
  const modes = m.cacheModes(e).items.length === 0 ? undefined : `its cache modes (${q(e.value)})`;
  const message = always
    ? `disk_cachemodes is set again on line ${n} and Nova reads only the last line, so this ${modes ? 'one' : 'empty setting'} is ignored${modes ? `: ${modes} never apply` : ''}. Remove this line${fixes.length > 1 ? `, or merge its items into line ${n}` : ''}.`
    : `disk_cachemodes is set again on line ${n} and Nova reads only the last line, so this ${modes ? 'one' : 'empty setting'} is ignored wherever line ${n} renders (it is inside a template condition)${modes ? `: ${modes} then never apply` : ''}; elsewhere this line is in force. Put both lines in the branches of one if/else, or move these items into that branch.`;
  return finding(cachemodesDuplicate, message, e.keyStart, e.end, fixes, { related: [relatedEntry(later, 'the line that is in effect')], about: e });
}
