// A disk rule: its registry data, the rules it takes precedence over, and its check.
import type { Finding, Severity } from '../../types';
import type { DiskFacts } from './model';
import type { DiskRuleId, RuleId } from '../ruleIds';

export interface DiskRule<Id extends DiskRuleId = DiskRuleId> {
  id: Id;
  severity: Severity;
  /** One line, for rule lists, SARIF and settings descriptions. */
  title: string;
  /**
   * Rules whose finding on the same disk says nothing more once this one is shown (the same
   * fix, or a consequence of the same setting). The engine hides them only after severity
   * settings and suppression comments, so turning this rule off shows them again.
   */
  supersedes?: readonly RuleId[];
  check(f: DiskFacts): Finding[];
}

/** Keeps the literal id type of each rule, so the registry can build a union of rule ids. */
export const diskRule = <Id extends DiskRuleId>(r: DiskRule<Id>): DiskRule<Id> => r;
