// Lints a Nova config: reads it once into the model (model.ts) and runs every Nova rule
// (rules/, listed in index.ts) over it. No rule logic here, and no rule silences another:
// precedence between rules (`supersedes`) is applied by the engine after severity settings and
// suppression comments.
import type { Finding } from '../../types';
import { LineIndex } from '../../text';
import { FoldedFindings } from '../fold';
import { NOVA_RULES } from './index';
import { NovaModel, type NovaLintOptions } from './model';

export type { NovaLintOptions } from './model';

/**
 * Past this many findings of one rule a file is not a config anyone reads finding by finding:
 * the rest are folded into one finding whose fix is all of theirs, so one fix-all pass still
 * fixes every one of them (a cap that dropped them made fix-all take a pass per thousand).
 */
export const MAX_PER_RULE = 1000;

/** Whether the user sees a finding of `rule` at `offset` (suppression comments); undefined: all. */
export type Reported = ((rule: string, offset: number) => boolean) | undefined;

export function lintNovaConf(text: string, opts: NovaLintOptions, reported?: Reported): Finding[] {
  let model: NovaModel;
  try {
    model = new NovaModel(text, opts);
  } catch {
    // A reader bug must not take the editor or the CLI down; the tests keep this path unused.
    return [];
  }
  const out: Finding[] = [];
  let lines: LineIndex | undefined;
  for (const rule of NOVA_RULES) {
    const listed: Finding[] = [];
    const cap = rule.listed ?? MAX_PER_RULE;
    const rest = new FoldedFindings(cap);
    try {
      for (const f of rule.check(model)) {
        if (reported && !reported(f.rule, f.start)) continue;
        if (listed.length < cap) listed.push(f);
        else rest.add(f);
      }
    } catch {
      continue; // a bug in one rule loses its findings only, never another rule's
    }
    out.push(...listed);
    const summary = rest.finding(() => (lines ??= new LineIndex(text)));
    if (summary) out.push(summary);
  }
  return out;
}
