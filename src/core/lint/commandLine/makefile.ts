// The Makefile dialect: QEMU and qemu-img invocations in the recipes of a Makefile (GNU make,
// also POSIX make's subset). Each recipe line is what make hands to the shell (GNU make manual,
// "Recipe Syntax" and "Splitting Recipe Lines"): the recipe prefix (a tab, or .RECIPEPREFIX)
// removed, then the `@`, `-` and `+` prefixes; `\`-newline kept for the shell, with the prefix
// at the start of the next line removed; `$$` is a `$` for the shell, and every make reference
// ($(VAR), ${VAR}, $(call …), $@) is opaque: its value is never guessed. Inline recipes
// (`target: deps ; command`) and the lines of `define` blocks (canned recipes) are read too.
import type { Finding } from '../../types';
import { MappedText } from './mappedText';
import { OPAQUE, type ShellWord } from './shellWords';
import { lintFound } from './lintFound';
import { INVOCATION_HINT } from './shellScript';

interface Line {
  start: number;
  /** End of the logical line (continuations included), before its newline. */
  end: number;
}

/** Logical lines: physical lines joined where one ends in an odd number of backslashes. */
function logicalLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  let from = 0;
  while (from <= text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    const end = nl > from && text[nl - 1] === '\r' ? nl - 1 : nl;
    let k = end;
    while (k > from && text[k - 1] === '\\') k--;
    if ((end - k) % 2 === 1 && nl < text.length) {
      from = nl + 1;
      continue;
    }
    out.push({ start, end });
    if (nl >= text.length) break;
    start = from = nl + 1;
  }
  return out;
}

/** The index after the make reference that starts with `$` at i (same-bracket nesting, as make's variable parser counts). */
function referenceEnd(text: string, i: number, limit: number): number {
  const open = text[i + 1];
  if (open !== '(' && open !== '{') return Math.min(i + 2, limit);
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  for (let k = i + 1; k < limit; k++) {
    if (text[k] === open) depth++;
    else if (text[k] === close && --depth === 0) return k + 1;
  }
  return limit;
}

/** What make hands to the shell for the recipe line text[from, to): prefixes dropped, make references opaque. */
function recipeShellText(text: string, from: number, to: number, prefix: string): MappedText {
  const m = new MappedText();
  let i = from;
  if (text[i] === prefix) i++;
  while (i < to && /[@+\- \t]/.test(text[i])) i++;
  while (i < to) {
    const c = text[i];
    if (c === '$') {
      if (text[i + 1] === '$') {
        m.stand('$', i, i + 2);
        i += 2;
        continue;
      }
      const end = referenceEnd(text, i, to);
      // OPAQUE is an ordinary character to the shell, so it stays opaque inside quotes too.
      m.stand(OPAQUE, i, end);
      i = end;
    } else if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      const nl = text[i + 1] === '\n' ? i + 1 : i + 2;
      m.copy(text, i, nl + 1);
      i = nl + 1;
      if (text[i] === prefix) i++;
    } else {
      m.copy(text, i, i + 1);
      i++;
    }
  }
  return m;
}

const RECIPE_PREFIX = /^\.RECIPEPREFIX[ \t]*:?=[ \t]*(\S)/;
const DEFINE = /^[ \t]*(?:(?:export|override|private)[ \t]+)*define\b/;
const ENDEF = /^[ \t]*endef\b/;
const CONDITIONAL = /^[ \t]*(?:ifeq|ifneq|ifdef|ifndef|else|endif)\b/;

/**
 * Where the recipe starts on a rule line (`targets: prerequisites ; recipe`): after the first
 * `;` that follows the rule's colon; -1 when the line is no rule or has no inline recipe.
 * Returns -2 for a line that is no rule (an assignment, a directive).
 */
function ruleLine(text: string, l: Line): number {
  let colon = -1;
  for (let i = l.start; i < l.end; i++) {
    const c = text[i];
    if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      i = referenceEnd(text, i, l.end) - 1;
      continue;
    }
    if (c === '#') break;
    if (colon < 0) {
      if (c === '=') return -2;
      if (c === ':') {
        if (text[i + 1] === '=' || (text[i + 1] === ':' && text[i + 2] === '=') || (text[i + 1] === ':' && text[i + 2] === ':' && text[i + 3] === '=')) return -2;
        colon = i;
      }
    } else if (c === '=') return -1;
    else if (c === ';') return i + 1;
  }
  return colon < 0 ? -2 : -1;
}

/** The shell commands that a Makefile's recipes run, their words in file ranges. */
export function makefileCommands(text: string): ShellWord[][] {
  const out: ShellWord[][] = [];
  let prefix = '\t';
  let inRule = false;
  let inDefine = 0;
  for (const l of logicalLines(text)) {
    const line = text.slice(l.start, Math.min(l.end, l.start + 200));
    if (inDefine > 0) {
      if (ENDEF.test(line)) inDefine--;
      else if (DEFINE.test(line)) inDefine++;
      // A canned recipe: its lines become recipe lines where it is used.
      else out.push(...recipeShellText(text, l.start, l.end, prefix).shellCommands());
      continue;
    }
    if (text[l.start] === prefix) {
      if (inRule) out.push(...recipeShellText(text, l.start, l.end, prefix).shellCommands());
      continue;
    }
    if (/^[ \t]*(#|$)/.test(line) || CONDITIONAL.test(line)) continue;
    if (DEFINE.test(line)) {
      inDefine = 1;
      inRule = false;
      continue;
    }
    const p = RECIPE_PREFIX.exec(line);
    if (p) prefix = p[1];
    const at = ruleLine(text, l);
    inRule = at !== -2;
    if (at >= 0) out.push(...recipeShellText(text, at, l.end, '').shellCommands());
  }
  return out;
}

/** A program right after a recipe prefix (tab or .RECIPEPREFIX) and make's `@`, `-`, `+`, which the shell never sees. */
const MAKE_PREFIXED = /^[^\n\w/.$"'`]?[@+\- \t]*(?:\S*\/)?(?:qemu-system-|qemu-kvm|kvm|qemu-img|virt-install|virt-xml)/m;

/** Any of the names at all: a fast literal search, before the slower line-start pattern. */
const NAMED = /qemu-(?:system-|kvm|img)|kvm|virt-(?:install|xml)/;

/** Cheap test: the text may run one of our programs (also written right after make's prefixes). */
export function makefileMayRun(text: string): boolean {
  return INVOCATION_HINT.test(text) || (NAMED.test(text) && MAKE_PREFIXED.test(text));
}

/** Lints a Makefile's recipes. Never throws. */
export function lintMakefile(text: string): Finding[] {
  return lintFound(text, makefileCommands, makefileMayRun);
}
