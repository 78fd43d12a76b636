// A Nova rule: its registry data, the rules it takes precedence over, and its check over the
// model (model.ts). Shaped like a disk rule (disk/rule.ts); its check may be a generator, so the
// runner can stop building findings nobody will read one by one (see novaConf.ts).
import type { Finding, Fix, RelatedLocation, Severity } from '../../types';
import type { NovaRuleId, RuleId } from '../ruleIds';
import type { IniEntry } from './ini';
import type { NovaModel } from './model';

export interface NovaRule<Id extends NovaRuleId = NovaRuleId> {
  id: Id;
  severity: Severity;
  /** One line, for rule lists, SARIF and settings descriptions. */
  title: string;
  /**
   * Rules whose finding on the same subject (one option line) says nothing more once this one is
   * shown. The engine hides them only after severity settings and suppression comments.
   */
  supersedes?: readonly RuleId[];
  /** How many findings are listed one by one before the rest fold into one (default: the runner's cap). */
  listed?: number;
  check(m: NovaModel): Iterable<Finding>;
}

/** Keeps the literal id type of each rule, so the registry can build a union of rule ids. */
export const novaRule = <Id extends NovaRuleId>(r: NovaRule<Id>): NovaRule<Id> => r;

/**
 * A finding of rule `rule` (at its default severity; the engine applies the settings).
 * `about`: the option line it is about, whose start is the subject rule precedence groups by.
 */
export function finding(
  rule: Pick<NovaRule, 'id' | 'severity'>,
  message: string,
  start: number,
  end: number,
  fixes: Fix[] = [],
  opts: { related?: RelatedLocation[]; about?: IniEntry } = {},
): Finding {
  const f: Finding = { rule: rule.id, severity: rule.severity, message, start, end, fixes };
  if (opts.related && opts.related.length > 0) f.related = opts.related;
  if (opts.about) f.subject = opts.about.start;
  return f;
}

/** A related location spanning a whole option line. */
export function relatedEntry(e: IniEntry, message: string): RelatedLocation {
  return { start: e.start, end: e.end, message };
}

/**
 * A short, one-line quote of user text for a message: in double quotes, or in single quotes when
 * the text holds a double quote itself (as a shell would quote it). Plain text, never Markdown.
 */
export function q(s: string): string {
  const one = s.slice(0, 200).replace(/\s+/g, ' ');
  const cut = one.length > 60 ? one.slice(0, 57) + '…' : one;
  const mark = cut.includes('"') ? "'" : '"';
  return mark + cut + mark;
}

/** How Nova's default reads in a message that suggests removing an item. */
export const NOVA_DEFAULT = 'Nova then uses none, or writeback where O_DIRECT is missing';
