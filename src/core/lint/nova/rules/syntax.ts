// nova-conf-syntax: what makes oslo.config refuse the whole file (iniparser.py BaseParser), so
// nova-compute does not start. Templates are not checked: their directives are not INI.
import type { Finding, Fix } from '../../../types';
import type { IniEntry, IniError } from '../ini';
import type { NovaModel } from '../model';
import { dedentBlock, insertLineAbove } from '../novaEdits';
import { finding, novaRule, q } from '../rule';

export const novaConfSyntax = novaRule({
  id: 'nova-conf-syntax',
  severity: 'error',
  title: 'oslo.config refuses the whole file',
  // oslo.config stops at the first error; past this many, more findings only bury the first.
  listed: 100,
  *check(m): Generator<Finding> {
    if (m.opts.template) return;
    if (m.opts.hadBom) yield bom(m, false);
    for (const err of m.doc.errors) {
      if (err.kind === 'bom') yield bom(m, true);
      else {
        const f = syntaxError(m, err);
        if (f) yield f;
      }
    }
  },
});

function bom(m: NovaModel, inText: boolean): Finding {
  let end = 0;
  while (end < m.text.length && end < 200 && !/[\r\n]/.test(m.text[end])) end++;
  // A stripped BOM is not in the text, so no text edit can remove it: saving without it is the fix.
  const fixes: Fix[] = inText ? [{ title: 'Remove the byte-order mark', edits: [{ start: 0, end: 1, newText: '' }], preferred: true }] : [];
  return finding(
    novaConfSyntax,
    'The file starts with a UTF-8 byte-order mark: oslo.config reads it as part of the first line and refuses the whole file, so nova-compute does not start. Save the file as UTF-8 without BOM (VS Code: click the encoding in the status bar, Save with Encoding, UTF-8).',
    0,
    end,
    fixes,
  );
}

function syntaxError(m: NovaModel, err: IniError): Finding | undefined {
  const text = m.text;
  const line = text.slice(err.start, err.end);
  const refused = `oslo.config refuses the whole file ("${err.osloMessage}"), so nova-compute does not start`;
  const commentOut: Fix = { title: 'Comment out the line', edits: [{ start: err.lineStart, end: err.lineStart, newText: '# ' }] };
  const at = (message: string, fixes: Fix[]) => finding(novaConfSyntax, message, err.start, err.end, fixes);
  switch (err.kind) {
    case 'unexpected-continuation': {
      const dedent: Fix = { title: 'Remove the indentation', edits: dedentBlock(text, err.lineStart, err.start), preferred: true };
      const cut = cutByComments(m, err);
      if (cut) {
        // Dedenting would turn the rest of the value into options of their own: its items would be lost without a word.
        dedent.preferred = undefined;
        const comment = text.slice(cut.start, cut.end);
        return at(`This indented line continues ${cut.entry.key}, but the comment above it ends that value: ${refused}. Move the comment above ${cut.entry.key}.`, [
          { title: `Move the comment above ${cut.entry.key}`, edits: [{ start: cut.start, end: cut.end, newText: '' }, { start: cut.entry.start, end: cut.entry.start, newText: comment }], preferred: true },
          dedent,
        ]);
      }
      return at(`This line is indented, but no option line comes right before it (a section header, comment or blank line does): ${refused}. Remove the indentation.`, [dedent]);
    }
    case 'no-separator':
      return at(`${q(line)} is neither a section header, a comment nor "key = value": ${refused}. Add the missing "=" or comment the line out with "#".`, [commentOut]);
    case 'empty-key':
      return at(`${q(line)} has no option name before the "=": ${refused}. Add the name or comment the line out.`, [commentOut]);
    case 'section-end': {
      const close = line.indexOf(']');
      const rest = close >= 0 ? line.slice(close + 1).trim() : '';
      const fixes: Fix[] = [];
      if (close >= 0 && /^[#;]/.test(rest)) {
        fixes.push({ title: 'Move the comment to its own line', edits: [{ start: err.start + close + 1, end: err.end, newText: '' }, insertLineAbove(text, err.start, rest, m.eol)] });
      }
      return at(`A section header must end with "]" (nothing may follow it, not even a comment): ${refused}. Put anything after the "]" on its own line.`, fixes);
    }
    case 'bom':
      return undefined;
    case 'empty-section':
      return at(`"[]" names no section: ${refused}. Write the section name, for example [libvirt].`, [commentOut]);
    case 'no-section':
      return at(`${q(line)} comes before any section header: ${refused}. Put a section header such as [DEFAULT] above it.`, [
        { title: 'Add [DEFAULT] above', edits: [insertLineAbove(text, err.start, '[DEFAULT]', m.eol)] },
      ]);
  }
}

/**
 * The option whose value comment lines right above an unexpected continuation cut off (the
 * author meant the indented line to continue it), and the comment lines [start, end).
 */
function cutByComments(m: NovaModel, err: IniError): { entry: IniEntry; start: number; end: number } | undefined {
  const text = m.text;
  // A bounded look back (comment blocks are short, and this runs for every such error), from a line start.
  let from = Math.max(0, err.lineStart - 4096);
  if (from > 0 && !/[\r\n]/.test(text[from - 1])) {
    const lineBreak = /\r\n?|\n/.exec(text.slice(from, err.lineStart))!; // the one before the error line at least
    from += lineBreak.index + lineBreak[0].length;
  }
  // The comment lines that end right at the error line: `(?![\s\S])` is the end of the slice
  // (`$` with the m flag would also match after a comment block followed by a blank line).
  const c = /(?:^[#;][^\r\n]*(?:\r\n|\r|\n))+(?![\s\S])/m.exec(text.slice(from, err.lineStart));
  if (!c) return undefined;
  const lines = c[0].match(/\r\n|\r|\n/g)!.length;
  // Entries are in file order: a binary search keeps many such errors in a huge file cheap.
  const want = err.line - lines - 1;
  const es = m.doc.entries;
  let lo = 0;
  let hi = es.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (es[mid].lastLine < want) lo = mid + 1;
    else hi = mid;
  }
  const entry = es[lo]?.lastLine === want ? es[lo] : undefined;
  return entry ? { entry, start: from + c.index, end: err.lineStart } : undefined;
}
