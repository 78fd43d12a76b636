// nova-cachemodes-syntax: a disk_cachemodes value written in a form that oslo.config's List type
// and Nova's item.partition('=') do not read as `type=mode` items (novaCacheModes.ts).
import type { Finding, Fix, TextEdit } from '../../../types';
import type { IniEntry } from '../ini';
import type { NovaModel } from '../model';
import { rewriteCacheModes } from '../novaCacheModes';
import { insertLineAbove, lineStartOf, replaceValue } from '../novaEdits';
import { finding, novaRule, q } from '../rule';

export const cachemodesSyntax = novaRule({
  id: 'nova-cachemodes-syntax',
  severity: 'error',
  title: 'disk_cachemodes written in a form Nova does not parse',
  // With the value unreadable, "add network=writeback" is advice on a list that is rewritten first.
  supersedes: ['nova-rbd-cache'],
  *check(m): Generator<Finding> {
    for (const line of m.readLines) yield* lineSyntax(m, line.entry);
  },
});

function rewriteFix(m: NovaModel, e: IniEntry): Fix | undefined {
  const { value, comments } = rewriteCacheModes(e.value);
  const edits: TextEdit[] = [replaceValue(e, value, m.text)];
  if (comments.length > 0) edits.push(insertLineAbove(m.text, e.start, comments.join(m.eol), m.eol));
  // Nothing to rewrite (only quotes around the whole value would go): no fix that changes nothing Nova reads.
  if (comments.length === 0 && (m.text.slice(e.rawValueStart, e.end) === value || e.value === value)) return undefined;
  const shown = value === '' ? 'an empty list' : value.length <= 60 ? value : 'a comma-separated list of type=mode';
  return { title: `Rewrite as ${shown}${comments.length > 0 ? ', comment above' : ''}`, edits, preferred: true };
}

function* lineSyntax(m: NovaModel, e: IniEntry): Generator<Finding> {
  const cm = m.cacheModes(e);
  const about = { about: e };
  if (cm.header) {
    // A rewrite would fold the header into the list: only the indentation goes, the rest shows on the next lint.
    const h = cm.header;
    yield finding(
      cachemodesSyntax,
      `This ${q(m.text.slice(h.start, h.end))} line is indented, so oslo.config reads it as more of the disk_cachemodes value, not as a section header: Nova ignores the item it lands in, and the options below it stay in [${e.section?.name ?? 'libvirt'}]. Remove the indentation.`,
      h.start,
      h.end,
      [{ title: 'Remove the indentation', edits: [{ start: lineStartOf(m.text, h.start), end: h.start, newText: '' }], preferred: true }],
      about,
    );
    return;
  }
  const problems = cm.items.filter((i) => i.problem && !i.inComment); // the comment's own finding covers the rest
  if (problems.length === 0 && !cm.comment) return;
  const fix = rewriteFix(m, e);
  const fixes = fix ? [fix] : [];
  const clean = rewriteCacheModes(e.value).value;
  // `[]` or `"" , ""` hold no item at all: the way to write that is an empty value.
  const cleanShown = clean === '' ? "an empty value (Nova's defaults)" : q(clean);
  if (cm.bracket) {
    yield finding(cachemodesSyntax, `disk_cachemodes is a plain comma-separated list, not a bracketed one: with brackets and quotes every item is invalid and Nova ignores them all. Write it as ${cleanShown}.`, e.rawValueStart, e.end, fixes, about);
    return;
  }
  if (cm.comment && !cm.items.some((i) => i.problem === 'comment')) {
    // A comment with no item before it on its line (e.g. after a trailing comma): still part of the value.
    yield finding(cachemodesSyntax, `oslo.config keeps an inline comment as part of the value, so ${q(m.text.slice(cm.comment.start, cm.comment.end))} is read as a cache-mode item. Move the comment to its own line.`, cm.comment.start, cm.comment.end, fixes, about);
  }
  for (const it of problems) {
    const item = q(it.text);
    let message: string;
    let start = it.start;
    let end = it.end;
    switch (it.problem) {
      case 'comment':
        message = `oslo.config keeps an inline comment as part of the value, so the item becomes ${item} and Nova ignores it. Move the comment to its own line.`;
        start = cm.comment!.start;
        end = cm.comment!.end;
        break;
      case 'quoted':
        message = `Quotes are only removed around the whole value, so ${item} keeps its quotes and Nova ignores it. Write the list without quotes: ${cleanShown}.`;
        break;
      case 'blanks':
        message = `Nova does not strip blanks around "=", so ${item} is not a valid item and is ignored. Write ${q(rewriteCacheModes(it.text).value)}.`;
        break;
      case 'colon':
        message = `Items are "type=mode": ${item} uses ":" and Nova ignores it. Write ${q(rewriteCacheModes(it.text).value)}.`;
        break;
      case 'no-comma':
        message = `Items must be separated by commas: ${item} is read as one item and Nova ignores it. Write ${cleanShown}.`;
        break;
      default:
        message = `${item} is not "type=mode", so Nova ignores it. Write each item as a disk type, "=" and a cache mode, for example "file=none".`;
    }
    yield finding(cachemodesSyntax, message, start, end, fixes, about);
  }
}
