// The Nova config as the Nova rules read it, read once per lint: the INI document as oslo.config
// reads it (ini.ts), the template branches (novaTemplate.ts), and the disk_cachemodes lines with
// their items as Nova reads them (novaCacheModes.ts), every piece with its range in the text.
// No rule logic here: rules (rules/*.ts) ask this model what Nova reads and report on it.
import { eolOf } from '../../text';
import { isCacheMode } from '../cacheModes';
import type { IniDocument, IniEntry, IniSection } from './ini';
import { parseIni } from './ini';
import { TemplateBranches, hasTemplateExpression, templateOnlyTags } from './novaTemplate';
import type { CacheItem, CacheModesValue } from './novaCacheModes';
import { DISK_TYPES, parseCacheModes } from './novaCacheModes';
import { lastSection, sectionEnd } from './novaEdits';

export interface NovaLintOptions {
  hadBom: boolean;
  template: boolean;
}

/** A disk_cachemodes line in [libvirt], and the later line that overrides it (none: in force). */
export interface CachemodesLine {
  entry: IniEntry;
  overriddenBy?: IniEntry;
}

/** An item Nova reads from a disk_cachemodes line in force (no syntax slip), and what Nova makes of it. */
export interface ReadItem {
  item: CacheItem;
  /** Its mode is one Nova accepts (else Nova logs "Invalid cachemode" and skips it). */
  validMode: boolean;
  /** Its type is one Nova looks modes up by (file, block, network). */
  knownType: boolean;
  /** A later valid item of the same type in the line, which wins: this one is ignored. */
  overriddenBy?: CacheItem;
}

/** A disk_cachemodes line Nova reads (in force, literal), its value read as Nova reads it. */
export interface ReadLine {
  entry: IniEntry;
  value: CacheModesValue;
  /** The items without a syntax slip, in order. */
  items: ReadItem[];
}

/** A line holding disk_cachemodes (or a misspelling of it) that Nova never reads as the option. */
export type MisplacedCachemodes =
  | { kind: 'entry'; entry: IniEntry }
  /** Indented under `owner`, so part of its value; `index` is the continuation's. */
  | { kind: 'indented'; owner: IniEntry; index: number; key: string };

const CACHEMODES_NAME = /^(libvirt_)?disk_cachemodes$/i;
const CACHEMODES_LINE = /^(libvirt_)?disk_cachemodes[ \t]*[=:]/i;

export class NovaModel {
  readonly doc: IniDocument;
  readonly eol: string;
  /** The branch structure of a template; undefined outside templates. */
  readonly branches: TemplateBranches | undefined;

  constructor(
    readonly text: string,
    readonly opts: NovaLintOptions,
  ) {
    this.eol = eolOf(text);
    this.doc = parseIni(text, opts.template ? { skipLine: (l) => templateOnlyTags(l) !== undefined } : {});
    this.branches = opts.template ? new TemplateBranches(this.doc.skipped.map((s) => ({ start: s.start, text: text.slice(s.start, s.end) }))) : undefined;
  }

  // ---- what a template leaves unknown ----

  /** The entry's section and name are literal (always, outside templates). */
  known(e: IniEntry): boolean {
    if (!this.branches) return true;
    if (!e.section || hasTemplateExpression(e.key) || hasTemplateExpression(e.section.name)) return false;
    return !this.branches.rendersBetween(e.section.start, e.start);
  }

  /** The entry's value is literal (no template expression in it). */
  literal(e: IniEntry): boolean {
    return !this.opts.template || !hasTemplateExpression(this.text.slice(e.rawValueStart, e.end));
  }

  /** The two entries sit in different branches of one if/else: they never render together. */
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

  /** The items of a literal line without a syntax slip, or undefined when the line has one. */
  cleanItems(e: IniEntry): CacheItem[] | undefined {
    const cm = this.cacheModes(e);
    return this.literal(e) && !cm.comment && !cm.items.some((i) => i.problem) ? cm.items : undefined;
  }

  // ---- disk_cachemodes ----

  private lines?: CachemodesLine[];

  /** Every [libvirt] disk_cachemodes line Nova may read, in file order, each with the line that overrides it. */
  get cachemodesLines(): readonly CachemodesLine[] {
    return (this.lines ??= this.occurrences('libvirt', 'disk_cachemodes'));
  }

  private read?: ReadLine[];

  /** The disk_cachemodes lines in force with a literal value, and their items as Nova keeps them. */
  get readLines(): readonly ReadLine[] {
    return (this.read ??= this.cachemodesLines.filter((l) => !l.overriddenBy && this.literal(l.entry)).map((l) => this.readLine(l.entry)));
  }

  private readLine(entry: IniEntry): ReadLine {
    const value = this.cacheModes(entry);
    const clean = value.items.filter((i) => !i.problem);
    // What Nova keeps (LibvirtDriver.__init__): valid modes, the last item of each type winning.
    const last = new Map<string, CacheItem>();
    for (const it of clean) if (isCacheMode(it.mode!)) last.set(it.type!, it);
    const items = clean.map((item): ReadItem => {
      const validMode = isCacheMode(item.mode!);
      const later = validMode ? last.get(item.type!) : undefined;
      return { item, validMode, knownType: (DISK_TYPES as readonly string[]).includes(item.type!), overriddenBy: later !== item ? later : undefined };
    });
    return { entry, value, items };
  }

  private misplacedLines?: MisplacedCachemodes[];

  /** disk_cachemodes lines Nova never reads: in another section, misspelt, or indented into another value. In file order. */
  get misplaced(): readonly MisplacedCachemodes[] {
    if (!this.misplacedLines) {
      const out: MisplacedCachemodes[] = [];
      for (const e of this.doc.entries) {
        e.continuations.forEach((c, index) => {
          const t = this.text.slice(c.start, c.end);
          if (CACHEMODES_LINE.test(t) && this.known(e)) out.push({ kind: 'indented', owner: e, index, key: /^[A-Za-z_]+/.exec(t)![0] });
        });
        if (!CACHEMODES_NAME.test(e.key) || !this.known(e)) continue;
        if (e.section?.group !== 'libvirt' || e.key !== 'disk_cachemodes') out.push({ kind: 'entry', entry: e });
      }
      this.misplacedLines = out;
    }
    return this.misplacedLines;
  }

  private target?: { section: IniSection | undefined; end: number | undefined };

  /** The [libvirt] section lines are moved into (the last literal one), and where its option lines end. */
  libvirtTarget(): { section: IniSection | undefined; end: number | undefined } {
    if (!this.target) {
      const section = lastSection(this.doc, 'libvirt', (s) => !hasTemplateExpression(s.name));
      this.target = { section, end: section ? sectionEnd(this.doc, section) : undefined };
    }
    return this.target;
  }
}
