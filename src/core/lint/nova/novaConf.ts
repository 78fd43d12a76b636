// The Nova config rules (rules.md, "Nova config"): nova.conf read as oslo.config reads it
// (ini.ts), [libvirt] disk_cachemodes read as Nova reads it (novaCacheModes.ts), and the
// neighbouring options that decide whether nova-compute starts or inspects images safely.
import type { Finding, Fix, RelatedLocation, TextEdit } from '../../types';
import { ruleInfo } from '../rules';
import type { RuleId } from '../ruleIds';
import { CACHE_MODES, isCacheMode, suggestValue } from '../cacheModes';
import { eolOf } from '../../text';
import type { IniDocument, IniEntry, IniError, IniSection } from './ini';
import { parseIni } from './ini';
import { TemplateBranches, hasTemplateExpression, templateOnlyTags } from './novaTemplate';
import type { CacheItem, CacheModesValue } from './novaCacheModes';
import { DISKS_OF_TYPE, DISK_TYPES, intendedDiskType, listItems, parseCacheModes, rewriteCacheModes } from './novaCacheModes';
import { dedentBlock, deleteLines, insertIntoSection, insertLineAbove, lastSection, lineStartOf, removeItem, replaceValue, sectionEnd } from './novaEdits';

export interface NovaLintOptions {
  hadBom: boolean;
  template: boolean;
}

/** oslo.config stops at the first error; past this many, more findings only bury the first. */
const MAX_SYNTAX_FINDINGS = 100;
/** Past this many findings of one rule a file is not a config anyone reads finding by finding. */
/** The choices of [libvirt] images_type (nova/conf/libvirt.py). */
const IMAGES_TYPES = ['raw', 'flat', 'qcow2', 'lvm', 'rbd', 'ploop', 'default'];
const MAX_PER_RULE = 1000;

const CACHEMODES_NAME = /^(libvirt_)?disk_cachemodes$/i;
const CACHEMODES_LINE = /^(libvirt_)?disk_cachemodes[ \t]*[=:]/i;
/** oslo.config Boolean (types.Boolean): these, in any case. */
const TRUE_VALUES = ['true', '1', 'on', 'yes'];
const FALSE_VALUES = ['false', '0', 'off', 'no'];
const SAFE_VMDK_TYPES = ['streamOptimized', 'monolithicSparse'];

const NOVA_DEFAULT = 'Nova then uses none, or writeback where O_DIRECT is missing';

/**
 * A short, one-line quote of user text for a message: in double quotes, or in single quotes when
 * the text holds a double quote itself (as a shell would quote it). Plain text, never Markdown.
 */
function q(s: string): string {
  const one = s.slice(0, 200).replace(/\s+/g, ' ');
  const cut = one.length > 60 ? one.slice(0, 57) + '…' : one;
  const mark = cut.includes('"') ? "'" : '"';
  return mark + cut + mark;
}

class NovaLinter {
  readonly findings: Finding[] = [];
  readonly doc: IniDocument;
  readonly eol: string;
  readonly branches: TemplateBranches | undefined;

  constructor(
    readonly text: string,
    readonly opts: NovaLintOptions,
  ) {
    this.eol = eolOf(text);
    this.doc = parseIni(text, opts.template ? { skipLine: (l) => templateOnlyTags(l) !== undefined } : {});
    this.branches = opts.template ? new TemplateBranches(this.doc.skipped.map((s) => ({ start: s.start, text: text.slice(s.start, s.end) }))) : undefined;
  }

  private readonly counts = new Map<string, number>();

  /** The rule has reached MAX_PER_RULE findings: skip the work for more. */
  full(rule: RuleId): boolean {
    return (this.counts.get(rule) ?? 0) >= MAX_PER_RULE;
  }

  add(rule: RuleId, message: string, start: number, end: number, fixes: Fix[] = [], related?: RelatedLocation[]): void {
    if (this.full(rule)) return;
    this.counts.set(rule, (this.counts.get(rule) ?? 0) + 1);
    const f: Finding = { rule, severity: ruleInfo(rule)?.severity ?? 'warning', message, start, end, fixes };
    if (related && related.length > 0) f.related = related;
    this.findings.push(f);
  }

  // ---- what a template leaves unknown ----

  /** The entry's section and name are literal (always, outside templates). */
  known(e: IniEntry): boolean {
    if (!this.branches) return true;
    if (!e.section || hasTemplateExpression(e.key) || hasTemplateExpression(e.section.name)) return false;
    return !this.branches.rendersBetween(e.section.start, e.start);
  }

  literal(e: IniEntry): boolean {
    return !this.opts.template || !hasTemplateExpression(this.text.slice(e.rawValueStart, e.end));
  }

  exclusive(a: IniEntry, b: IniEntry): boolean {
    return this.branches ? this.branches.exclusive(a.start, b.start) : false;
  }

  /** Whenever offset `a` renders, `b` does too (always, outside templates): see TemplateBranches.rendersWith. */
  rendersWith(a: number, b: number): boolean {
    return this.branches ? this.branches.rendersWith(a, b) : true;
  }

  /** Every entry of an option, each with the later entry that overrides it (none for the ones in effect). */
  occurrences(group: string, key: string): { entry: IniEntry; overriddenBy?: IniEntry }[] {
    const all = this.doc.entries.filter((e) => e.section?.group === group && e.key === key && this.known(e));
    return all.map((entry, i) => {
      let overriddenBy: IniEntry | undefined;
      for (let j = all.length - 1; j > i; j--) {
        if (!this.exclusive(entry, all[j])) {
          overriddenBy = all[j];
          break;
        }
      }
      return { entry, overriddenBy };
    });
  }

  private readonly effectiveCache = new Map<string, IniEntry[]>();

  /** The entries of an option that are in force (one outside templates; one per exclusive branch in them). */
  effective(group: string, key: string): IniEntry[] {
    const id = `${group}\n${key}`;
    let found = this.effectiveCache.get(id);
    if (!found) {
      found = this.occurrences(group, key)
        .filter((o) => !o.overriddenBy)
        .map((o) => o.entry);
      this.effectiveCache.set(id, found);
    }
    return found;
  }

  private readonly parsedValues = new Map<IniEntry, CacheModesValue>();

  /** A disk_cachemodes entry read as Nova reads it, once per entry. */
  cacheModes(e: IniEntry): CacheModesValue {
    let cm = this.parsedValues.get(e);
    if (!cm) this.parsedValues.set(e, (cm = parseCacheModes(e)));
    return cm;
  }

  related(e: IniEntry, message: string): RelatedLocation {
    return { start: e.start, end: e.end, message };
  }

  // ---- nova-conf-syntax ----

  syntax(): void {
    if (this.opts.template) return;
    if (this.opts.hadBom) this.bom(false);
    for (const err of this.doc.errors.slice(0, MAX_SYNTAX_FINDINGS)) {
      if (err.kind === 'bom') this.bom(true);
      else this.syntaxError(err);
    }
  }

  private bom(inText: boolean): void {
    let end = 0;
    while (end < this.text.length && end < 200 && !/[\r\n]/.test(this.text[end])) end++;
    // A stripped BOM is not in the text, so no text edit can remove it: saving without it is the fix.
    const fixes: Fix[] = inText ? [{ title: 'Remove the byte-order mark', edits: [{ start: 0, end: 1, newText: '' }], preferred: true }] : [];
    this.add(
      'nova-conf-syntax',
      'The file starts with a UTF-8 byte-order mark: oslo.config reads it as part of the first line and refuses the whole file, so nova-compute does not start. Save the file as UTF-8 without BOM (VS Code: click the encoding in the status bar, Save with Encoding, UTF-8).',
      0,
      end,
      fixes,
    );
  }

  private syntaxError(err: IniError): void {
    const text = this.text;
    const line = text.slice(err.start, err.end);
    const refused = `oslo.config refuses the whole file ("${err.osloMessage}"), so nova-compute does not start`;
    const commentOut: Fix = { title: 'Comment out the line', edits: [{ start: err.lineStart, end: err.lineStart, newText: '# ' }] };
    switch (err.kind) {
      case 'unexpected-continuation': {
        const dedent: Fix = { title: 'Remove the indentation', edits: dedentBlock(text, err.lineStart, err.start), preferred: true };
        const cut = this.cutByComments(err);
        if (cut) {
          // Dedenting would turn the rest of the value into options of their own: its items would be lost without a word.
          dedent.preferred = undefined;
          this.add(
            'nova-conf-syntax',
            `This indented line continues ${cut.entry.key}, but the comment above it ends that value: ${refused}. Move the comment above ${cut.entry.key}.`,
            err.start,
            err.end,
            [{ title: `Move the comment above ${cut.entry.key}`, edits: [{ start: cut.start, end: cut.end, newText: '' }, { start: cut.entry.start, end: cut.entry.start, newText: text.slice(cut.start, cut.end) }], preferred: true }, dedent],
          );
          return;
        }
        this.add(
          'nova-conf-syntax',
          `This line is indented, but no option line comes right before it (a section header, comment or blank line does): ${refused}. Remove the indentation.`,
          err.start,
          err.end,
          [dedent],
        );
        return;
      }
      case 'no-separator':
        this.add('nova-conf-syntax', `${q(line)} is neither a section header, a comment nor "key = value": ${refused}. Add the missing "=" or comment the line out with "#".`, err.start, err.end, [commentOut]);
        return;
      case 'empty-key':
        this.add('nova-conf-syntax', `${q(line)} has no option name before the "=": ${refused}. Add the name or comment the line out.`, err.start, err.end, [commentOut]);
        return;
      case 'section-end': {
        const close = line.indexOf(']');
        const rest = close >= 0 ? line.slice(close + 1).trim() : '';
        const fixes: Fix[] = [];
        if (close >= 0 && /^[#;]/.test(rest)) {
          fixes.push({ title: 'Move the comment to its own line', edits: [{ start: err.start + close + 1, end: err.end, newText: '' }, insertLineAbove(text, err.start, rest, this.eol)] });
        }
        this.add('nova-conf-syntax', `A section header must end with "]" (nothing may follow it, not even a comment): ${refused}. Put anything after the "]" on its own line.`, err.start, err.end, fixes);
        return;
      }
      case 'bom':
        return;
      case 'empty-section':
        this.add('nova-conf-syntax', `"[]" names no section: ${refused}. Write the section name, for example [libvirt].`, err.start, err.end, [commentOut]);
        return;
      case 'no-section':
        this.add('nova-conf-syntax', `${q(line)} comes before any section header: ${refused}. Put a section header such as [DEFAULT] above it.`, err.start, err.end, [
          { title: 'Add [DEFAULT] above', edits: [insertLineAbove(text, err.start, '[DEFAULT]', this.eol)] },
        ]);
        return;
    }
  }

  /**
   * The option whose value comment lines right above an unexpected continuation cut off (the
   * author meant the indented line to continue it), and the comment lines [start, end).
   */
  private cutByComments(err: IniError): { entry: IniEntry; start: number; end: number } | undefined {
    // A bounded look back (comment blocks are short, and this runs for every such error), from a line start.
    let from = Math.max(0, err.lineStart - 4096);
    if (from > 0 && !/[\r\n]/.test(this.text[from - 1])) {
      const lineBreak = /\r\n?|\n/.exec(this.text.slice(from, err.lineStart))!; // the one before the error line at least
      from += lineBreak.index + lineBreak[0].length;
    }
    // The comment lines that end right at the error line: `(?![\s\S])` is the end of the slice
    // (`$` with the m flag would also match after a comment block followed by a blank line).
    const m = /(?:^[#;][^\r\n]*(?:\r\n|\r|\n))+(?![\s\S])/m.exec(this.text.slice(from, err.lineStart));
    if (!m) return undefined;
    const lines = m[0].match(/\r\n|\r|\n/g)!.length;
    // Entries are in file order: a binary search keeps many such errors in a huge file cheap.
    const want = err.line - lines - 1;
    const es = this.doc.entries;
    let lo = 0;
    let hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (es[mid].lastLine < want) lo = mid + 1;
      else hi = mid;
    }
    const entry = es[lo]?.lastLine === want ? es[lo] : undefined;
    return entry ? { entry, start: from + m.index, end: err.lineStart } : undefined;
  }

  // ---- nova-cachemodes-section ----

  /** disk_cachemodes lines that Nova never reads. */
  cachemodesPlacement(): void {
    for (const e of this.doc.entries) {
      e.continuations.forEach((c, i) => {
        const t = this.text.slice(c.start, c.end);
        if (CACHEMODES_LINE.test(t) && this.known(e)) this.indentedCachemodes(e, i, t);
      });
      if (!CACHEMODES_NAME.test(e.key) || !this.known(e)) continue;
      if (e.section?.group !== 'libvirt' || e.key !== 'disk_cachemodes') this.misplacedCachemodes(e);
    }
  }

  private target?: { section: IniSection | undefined; end: number | undefined };

  /** The [libvirt] section lines are moved into (the last one), and where its option lines end. */
  private libvirtTarget(): { section: IniSection | undefined; end: number | undefined } {
    if (!this.target) {
      const section = lastSection(this.doc, 'libvirt', (s) => !hasTemplateExpression(s.name));
      this.target = { section, end: section ? sectionEnd(this.doc, section) : undefined };
    }
    return this.target;
  }

  /** The fix that puts `line` into [libvirt], in place of the lines [start, end). */
  private moveToLibvirt(start: number, end: number, line: string): Fix {
    const target = this.libvirtTarget();
    // An option [libvirt] already sets stays in force: the moved line goes above it, where the duplicate rule then shows both.
    const current = this.effective('libvirt', 'disk_cachemodes').filter((e) => e.section === target.section);
    const insert = current.length > 0 ? insertLineAbove(this.text, current[0].start, line, this.eol) : insertIntoSection(this.text, target.end, 'libvirt', line, this.eol);
    const fix: Fix = { title: target.section ? 'Move the line into [libvirt]' : 'Move the line into a new [libvirt] section', edits: [deleteLines(this.text, start, end), insert] };
    // Into or out of a template branch, the line would apply under other conditions than the
    // author wrote: offered, never preferred.
    if (this.rendersWith(start, insert.start) && this.rendersWith(insert.start, start)) fix.preferred = true;
    return fix;
  }

  private misplacedCachemodes(e: IniEntry): void {
    if (this.full('nova-cachemodes-section')) return;
    const newLine = 'disk_cachemodes' + this.text.slice(e.keyEnd, e.end);
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
      fixes.push(this.moveToLibvirt(e.start, e.end, newLine));
      if (spaced) {
        fixes.push({ title: 'Rename the section to [libvirt]', edits: [{ start: sec.nameStart, end: sec.nameEnd, newText: 'libvirt' }] });
      }
    }
    const target = sec?.group === 'libvirt' ? undefined : this.libvirtTarget().section;
    const related = target ? [{ start: target.start, end: target.end, message: 'the [libvirt] section Nova reads disk_cachemodes from' }] : undefined;
    this.add('nova-cachemodes-section', message, e.keyStart, e.keyEnd, fixes, related);
  }

  /** `i`: the continuation line of `owner` that holds the indented disk_cachemodes. */
  private indentedCachemodes(owner: IniEntry, i: number, line: string): void {
    if (this.full('nova-cachemodes-section')) return;
    const { start } = owner.continuations[i];
    const key = /^[A-Za-z_]+/.exec(line)![0];
    const lineStart = lineStartOf(this.text, start);
    // Lines indented deeper right after it were written as its own continuation: they move with it.
    let end = owner.continuations[i].end;
    for (const c of owner.continuations.slice(i + 1)) {
      if (c.start - lineStartOf(this.text, c.start) <= start - lineStart) break;
      end = c.end;
    }
    const inLibvirt = owner.section?.group === 'libvirt';
    const fix: Fix = inLibvirt
      ? { title: 'Remove the indentation', edits: [{ start: lineStart, end: start + key.length, newText: 'disk_cachemodes' }], preferred: true }
      : this.moveToLibvirt(start, end, 'disk_cachemodes' + this.text.slice(start + key.length, end));
    this.add(
      'nova-cachemodes-section',
      `This ${key} line is indented, so oslo.config reads it as more of the value of ${owner.key} above: Nova never sees these cache modes, and ${owner.key} gets a broken value. ${inLibvirt ? 'Remove the indentation' : 'Move the line into [libvirt], without indentation'}.`,
      start,
      start + key.length,
      [fix],
      [this.related(owner, `the option whose value swallows the line`)],
    );
  }

  // ---- disk_cachemodes lines Nova reads ----

  /** The disk_cachemodes lines Nova reads: the overridden ones, and the items of those in force. */
  cachemodesLines(): void {
    for (const { entry, overriddenBy } of this.occurrences('libvirt', 'disk_cachemodes')) {
      if (overriddenBy) {
        if (!this.full('nova-cachemodes-duplicate')) this.duplicateLine(entry, overriddenBy);
      } else if (this.literal(entry)) this.cachemodesItems(entry);
    }
  }

  private duplicateLine(e: IniEntry, later: IniEntry): void {
    // In a template, the later line may sit in a branch that does not always render: this line is
    // then in force whenever that branch is not, and no fix deletes or merges it.
    const always = this.rendersWith(e.start, later.start);
    const fixes: Fix[] = always ? [{ title: 'Remove this line', edits: [deleteLines(this.text, e.start, e.end)], preferred: true }] : [];
    const clean = (x: IniEntry) => {
      const cm = this.cacheModes(x);
      return this.literal(x) && !cm.comment && !cm.items.some((i) => i.problem) ? cm.items : undefined;
    };
    const [mine, theirs] = [clean(e), clean(later)];
    if (mine && theirs && always && this.rendersWith(later.start, e.start)) {
      // Merging switches on the earlier line's other disk types, so it is offered, never preferred.
      const laterTypes = new Set(theirs.map((i) => i.type));
      const kept = mine.filter((i) => !laterTypes.has(i.type));
      if (kept.length > 0) {
        const merged = [...kept, ...theirs].map((i) => i.text).join(',');
        const title = merged.length <= 60 ? `Merge into the later line: ${merged}` : 'Merge into the later line';
        fixes.push({ title, edits: [deleteLines(this.text, e.start, e.end), replaceValue(later, merged, this.text)] });
      }
    }
    this.add(
      'nova-cachemodes-duplicate',
      !always
        ? `disk_cachemodes is set again on line ${later.line + 1}, inside a template condition: where it renders, only the last line counts and ${listItems(e).length === 0 ? 'this empty setting has no effect' : `every item here (${q(e.value)}) is ignored`}; where it does not, this line is in force. Put both lines in the branches of one if/else, or move these items into that branch.`
        : listItems(e).length === 0
          ? `disk_cachemodes is set again on line ${later.line + 1} and only the last line counts, so this empty setting has no effect. Remove this line.`
          : `disk_cachemodes is set again on line ${later.line + 1} and only the last line counts, so every item here (${q(e.value)}) is ignored. Remove this line, or merge its items into the later one.`,
      e.keyStart,
      e.end,
      fixes,
      [this.related(later, 'the line that is in effect')],
    );
  }

  private rewriteFix(e: IniEntry): Fix | undefined {
    const { value, comments } = rewriteCacheModes(e.value);
    const edits: TextEdit[] = [replaceValue(e, value, this.text)];
    if (comments.length > 0) edits.push(insertLineAbove(this.text, e.start, comments.join(this.eol), this.eol));
    // Nothing to rewrite (only quotes around the whole value would go): no fix that changes nothing Nova reads.
    if (comments.length === 0 && (this.text.slice(e.rawValueStart, e.end) === value || e.value === value)) return undefined;
    const shown = value === '' ? 'an empty list' : value.length <= 60 ? value : 'a comma-separated list of type=mode';
    return { title: `Rewrite as ${shown}${comments.length > 0 ? ', comment above' : ''}`, edits, preferred: true };
  }

  private cachemodesSyntax(e: IniEntry, cm: CacheModesValue): void {
    if (cm.header) {
      // A rewrite would fold the header into the list: only the indentation goes, the rest shows on the next lint.
      const h = cm.header;
      this.add(
        'nova-cachemodes-syntax',
        `This ${q(this.text.slice(h.start, h.end))} line is indented, so oslo.config reads it as more of the disk_cachemodes value, not as a section header: Nova ignores the item it lands in, and the options below it stay in [${e.section?.name ?? 'libvirt'}]. Remove the indentation.`,
        h.start,
        h.end,
        [{ title: 'Remove the indentation', edits: [{ start: lineStartOf(this.text, h.start), end: h.start, newText: '' }], preferred: true }],
      );
      return;
    }
    const problems = cm.items.filter((i) => i.problem && !i.inComment); // the comment's own finding covers the rest
    if (problems.length === 0 && !cm.comment) return;
    const fix = this.rewriteFix(e);
    const fixes = fix ? [fix] : [];
    const clean = rewriteCacheModes(e.value).value;
    // `[]` or `"" , ""` hold no item at all: the way to write that is an empty value.
    const cleanShown = clean === '' ? "an empty value (Nova's defaults)" : q(clean);
    if (cm.bracket) {
      this.add('nova-cachemodes-syntax', `disk_cachemodes is a plain comma-separated list, not a bracketed one: with brackets and quotes every item is invalid and Nova ignores them all. Write it as ${cleanShown}.`, e.rawValueStart, e.end, fixes);
      return;
    }
    if (cm.comment && !cm.items.some((i) => i.problem === 'comment')) {
      // A comment with no item before it on its line (e.g. after a trailing comma): still part of the value.
      this.add('nova-cachemodes-syntax', `oslo.config keeps an inline comment as part of the value, so ${q(this.text.slice(cm.comment.start, cm.comment.end))} is read as a cache-mode item. Move the comment to its own line.`, cm.comment.start, cm.comment.end, fixes);
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
      this.add('nova-cachemodes-syntax', message, start, end, fixes);
    }
  }

  private cachemodesItems(e: IniEntry): void {
    const cm = this.cacheModes(e);
    this.cachemodesSyntax(e, cm);
    const clean = cm.items.filter((i) => !i.problem);
    for (const it of clean) {
      if (!isCacheMode(it.mode!)) this.invalidMode(it);
      if (!(DISK_TYPES as readonly string[]).includes(it.type!)) this.unknownType(it);
    }
    // What Nova keeps: valid modes, the last item of each type winning.
    const kept = clean.filter((i) => isCacheMode(i.mode!));
    const last = new Map(kept.map((i) => [i.type!, i]));
    for (const it of kept) {
      const later = last.get(it.type!)!;
      if (later !== it) this.duplicateItem(cm, it, later);
      else if ((DISK_TYPES as readonly string[]).includes(it.type!)) this.modeRisk(e, cm, it);
    }
  }

  private invalidMode(it: CacheItem): void {
    if (this.full('nova-cachemodes-invalid-mode')) return;
    const mode = it.mode!;
    const hint = suggestValue(mode, CACHE_MODES);
    const fixes: Fix[] = hint && hint !== mode ? [{ title: `Change to ${hint}`, edits: [{ start: it.modeStart, end: it.modeEnd, newText: hint }] }] : [];
    const what = mode === '' ? `${q(it.text)} names no cache mode` : `${q(mode)} is not a cache mode${hint && hint.toLowerCase() === mode.toLowerCase() ? ' (modes are case-sensitive)' : ''}`;
    const empty = it.modeStart === it.modeEnd;
    this.add(
      'nova-cachemodes-invalid-mode',
      `${what}, so Nova logs "Invalid cachemode" and ignores ${q(it.text)}. Use one of ${CACHE_MODES.join(', ')}${hint && hint !== mode ? ` (likely ${hint})` : ''}.`,
      empty ? it.start : it.modeStart,
      empty ? it.end : it.modeEnd,
      fixes,
    );
  }

  private unknownType(it: CacheItem): void {
    if (this.full('nova-cachemodes-unknown-type')) return;
    const type = it.type!;
    const fixes: Fix[] = [];
    const edit = (t: string) => [{ start: it.typeStart, end: it.typeEnd, newText: t }];
    const meant = intendedDiskType(type);
    let advice: string;
    if (meant?.why === 'rbd') {
      advice = 'RBD disks are network disks: use network.';
      fixes.push({ title: 'Change to network', edits: edit('network'), preferred: true });
    } else if (meant?.why === 'case') {
      advice = `Disk types are case-sensitive: use ${meant.type}.`;
      fixes.push({ title: `Change to ${meant.type}`, edits: edit(meant.type) });
    } else {
      advice = meant ? `Use ${meant.type} if that is what you meant, or remove the item.` : 'Use file, block or network, or remove the item.';
      if (meant) fixes.push({ title: `Change to ${meant.type}`, edits: edit(meant.type) });
    }
    const empty = it.typeStart === it.typeEnd;
    this.add(
      'nova-cachemodes-unknown-type',
      `${type === '' ? 'An empty disk type' : q(type)} is not a disk type Nova matches (file, block, network), so ${q(it.text)} is accepted but never applies to any disk. ${advice}`,
      empty ? it.start : it.typeStart,
      empty ? it.end : it.typeEnd,
      fixes,
    );
  }

  private removeItemFix(e: IniEntry, cm: CacheModesValue, it: CacheItem, title = 'Remove the item'): Fix {
    const edit = removeItem(cm.items, it.index) ?? deleteLines(this.text, e.start, e.end);
    return { title, edits: [edit], preferred: true };
  }

  private duplicateItem(cm: CacheModesValue, it: CacheItem, later: CacheItem): void {
    if (this.full('nova-cachemodes-duplicate')) return;
    const edit = removeItem(cm.items, it.index);
    this.add(
      'nova-cachemodes-duplicate',
      `${q(it.type ?? '')} is set again later in this list (${q(later.text)}) and the last one wins, so ${q(it.text)} is ignored. Remove it.`,
      it.start,
      it.end,
      edit ? [{ title: 'Remove the earlier item', edits: [edit], preferred: true }] : [],
      [{ start: later.start, end: later.end, message: 'the item in effect' }],
    );
  }

  private modeRisk(e: IniEntry, cm: CacheModesValue, it: CacheItem): void {
    const disks = DISKS_OF_TYPE[it.type as (typeof DISK_TYPES)[number]];
    const setMode = (m: string): Fix => ({ title: `Change to ${it.type}=${m}`, edits: [{ start: it.modeStart, end: it.modeEnd, newText: m }] });
    if (it.mode === 'unsafe') {
      this.add(
        'nova-cachemodes-unsafe',
        `${q(it.text)} makes ${disks} ignore guest flushes: a host crash or power loss can corrupt them. Remove the item (${NOVA_DEFAULT}), or use none.`,
        it.start,
        it.end,
        [this.removeItemFix(e, cm, it), setMode('none')],
      );
    } else if (it.mode === 'writethrough') {
      this.add(
        'nova-cachemodes-writethrough',
        `${q(it.text)} makes every write to ${disks} synchronous (one flush per write): much slower, and no safer than none for guests that flush. Remove the item (${NOVA_DEFAULT}), or use writeback.`,
        it.start,
        it.end,
        [this.removeItemFix(e, cm, it), setMode('writeback')],
      );
    } else if (it.mode === 'directsync') {
      this.add(
        'nova-cachemodes-directsync',
        `${q(it.text)} makes every write to ${disks} synchronous and bypasses the host cache: the slowest mode, needed only for guests that never flush. Remove the item (${NOVA_DEFAULT}).`,
        it.start,
        it.end,
        [this.removeItemFix(e, cm, it)],
      );
    }
  }

  // ---- images_type, RBD, image safety ----

  /**
   * images_type is a StrOpt with choices (nova/conf/libvirt.py), compared case-sensitively by
   * oslo.config: 'RBD' raises ConfigFileValueError when Nova reads the option, and
   * nova-compute does not start.
   */
  imagesType(): void {
    for (const e of this.effective('libvirt', 'images_type')) {
      if (!this.literal(e) || IMAGES_TYPES.includes(e.value)) continue;
      const near = IMAGES_TYPES.find((c) => c === e.value.trim().toLowerCase());
      this.add(
        'nova-images-type-invalid',
        `images_type = ${e.value} is not one of ${IMAGES_TYPES.join(', ')} (oslo.config compares them case-sensitively): nova-compute refuses to start with "Valid values are [...], but found '${e.value}'". ${near ? `Write ${near}.` : 'Use one of the valid values.'}`,
        e.rawValueStart,
        e.end,
        near ? [{ title: `Set images_type = ${near}`, edits: [replaceValue(e, near, this.text)], preferred: true }] : [],
      );
    }
  }


  rbd(): void {
    const rbdLines = this.effective('libvirt', 'images_type').filter((e) => this.literal(e) && e.value === 'rbd');
    for (const x of rbdLines) {
      const rel = this.related(x, '"images_type = rbd" is set here');
      this.rbdCache(x, this.effective('libvirt', 'disk_cachemodes').filter((l) => !this.exclusive(l, x)), rel);
      for (const f of this.effective('DEFAULT', 'force_raw_images')) {
        if (this.exclusive(f, x) || !this.literal(f) || !FALSE_VALUES.includes(f.value.toLowerCase())) continue;
        this.add(
          'nova-rbd-force-raw',
          `"force_raw_images = ${f.value}" with "[libvirt] images_type = rbd": nova-compute refuses to start (InvalidConfiguration, bug 1816686), since the RBD backend imports raw images only. Set it to True.`,
          f.rawValueStart,
          f.end,
          [{ title: 'Set force_raw_images = True', edits: [replaceValue(f, 'True', this.text)], preferred: true }],
          [rel],
        );
      }
    }
  }

  /** `active`: the disk_cachemodes lines in force that can render together with images_type = rbd. */
  private rbdCache(x: IniEntry, active: IniEntry[], rel: RelatedLocation): void {
    if (active.some((l) => !this.literal(l))) return;
    if (active.length === 0) {
      this.add(
        'nova-rbd-cache',
        '"images_type = rbd" without "network=writeback" in disk_cachemodes: RBD disks get Nova\'s default (none where O_DIRECT works), which turns the librbd cache off, so writes are slower than Ceph recommends. Add "disk_cachemodes = network=writeback" to [libvirt].',
        x.start,
        x.end,
        [{ title: 'Add disk_cachemodes = network=writeback', edits: [{ start: x.end, end: x.end, newText: this.eol + 'disk_cachemodes = network=writeback' }] }],
      );
      return;
    }
    for (const l of active) {
      const cm = this.cacheModes(l);
      if (cm.comment || cm.items.some((i) => i.problem)) continue; // the syntax finding comes first
      const net = cm.items.filter((i) => i.type === 'network' && isCacheMode(i.mode!)).pop();
      if (!net) {
        const last = cm.items[cm.items.length - 1];
        // No item: inside the quotes of `""`, else in place of the empty value, keeping `key = value` spacing.
        const edit: TextEdit = last
          ? { start: last.end, end: last.end, newText: ',network=writeback' }
          : l.quote
            ? { start: l.pieces[0].start, end: l.pieces[0].start, newText: 'network=writeback' }
            : replaceValue(l, 'network=writeback', this.text);
        this.add(
          'nova-rbd-cache',
          'With "images_type = rbd", this disk_cachemodes has no "network=writeback": RBD disks get Nova\'s default (none where O_DIRECT works), which turns the librbd cache off, so writes are slower than Ceph recommends. Add "network=writeback": it is as crash-safe as none for guests that flush.',
          l.keyStart,
          l.end,
          [{ title: 'Add network=writeback', edits: [edit] }],
          [rel],
        );
      } else if (net.mode === 'none' || net.mode === 'directsync') {
        this.add(
          'nova-rbd-cache',
          `${q(net.text)} turns the librbd cache off for RBD disks (QEMU overrides ceph.conf), so writes are slower than Ceph recommends. Use "network=writeback": it is as crash-safe as none for guests that flush.`,
          net.start,
          net.end,
          [{ title: 'Change to network=writeback', edits: [{ start: net.modeStart, end: net.modeEnd, newText: 'writeback' }] }],
          [rel],
        );
      }
    }
  }

  imageSafety(): void {
    for (const e of this.effective('workarounds', 'disable_deep_image_inspection')) {
      if (!this.literal(e) || !TRUE_VALUES.includes(e.value.toLowerCase())) continue;
      this.add(
        'nova-image-inspection-off',
        `"disable_deep_image_inspection = ${e.value}" turns off Nova's checks of downloaded images for backing files, data files and unsafe features: a crafted image can make qemu-img read host files (OSSA-2024-001). Set it to False.`,
        e.rawValueStart,
        e.end,
        [{ title: 'Set disable_deep_image_inspection = False', edits: [replaceValue(e, 'False', this.text)], preferred: true }],
      );
    }
    for (const e of this.effective('compute', 'vmdk_allowed_types')) {
      if (!this.literal(e)) continue;
      const items = listItems(e);
      const safe = items.filter((i) => SAFE_VMDK_TYPES.includes(i.text)).map((i) => i.text);
      const list = (safe.length > 0 ? [...new Set(safe)] : SAFE_VMDK_TYPES).join(',');
      for (const it of items) {
        if (SAFE_VMDK_TYPES.includes(it.text)) continue;
        this.add(
          'nova-vmdk-types',
          `${q(it.text)} in vmdk_allowed_types lets a VMDK image name other files as its extents, so a crafted image can expose host files (OSSA-2023-002). Allow only streamOptimized and monolithicSparse.`,
          it.start,
          it.end,
          [{ title: `Set vmdk_allowed_types = ${list}`, edits: [replaceValue(e, list, this.text)], preferred: true }],
        );
      }
    }
  }
}

export function lintNovaConf(text: string, opts: NovaLintOptions): Finding[] {
  try {
    const l = new NovaLinter(text, opts);
    l.syntax();
    l.cachemodesPlacement();
    l.cachemodesLines();
    l.imagesType();
    l.rbd();
    l.imageSafety();
    return l.findings;
  } catch {
    // A rule bug must not take the editor or the CLI down; the tests keep this path unused.
    return [];
  }
}
