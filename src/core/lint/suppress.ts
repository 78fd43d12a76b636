// Suppression comments, the same in the editor and the CLI:
//   XML: <!-- qdt-disable-next-line cache-unsafe: reason -->
//   INI: # qdt-disable-next-line nova-cachemodes-unsafe -- reason   (or ;)
//   shell: # qdt-disable-next-line qemu-img-convert-writethrough -- reason (the next line and the
//   lines it continues with a trailing backslash: one command)
// The reason follows ":" or "--" in both. XML writes ":" because a comment may not hold "--":
// libxml2 refuses it ("Double hyphen within comment"), and so does libvirt (virsh define fails).
//   qdt-disable RULE[,RULE] / qdt-enable RULE for a region; no rule named = every rule.
// "next line" is the next line that is neither blank nor only a comment, so a suppression can
// stand above another comment or a blank line and still reach the element it names.
import type { FileKind, Finding } from '../types';
import { LineIndex } from '../text';

interface Directive {
  line: number;
  verb: 'disable-next-line' | 'disable' | 'enable';
  /** Empty = all rules. */
  rules: string[];
}

const XML_DIRECTIVE = /<!--\s*qdt-(disable-next-line|disable|enable)\b([\s\S]*?)-->/g;
const INI_DIRECTIVE = /^[ \t]*[#;][ \t]*qdt-(disable-next-line|disable|enable)\b(.*)$/gm;
// HCL (Packer) also writes `//` comments.
const HCL_DIRECTIVE = /^[ \t]*(?:#|\/\/)[ \t]*qdt-(disable-next-line|disable|enable)\b(.*)$/gm;

function parseRules(rest: string): string[] {
  const beforeReason = rest.split(/:|\s--(?:\s|$)/)[0];
  return beforeReason.split(/[\s,]+/).filter((s) => /^[a-z][a-z0-9-]*$/.test(s));
}

function directives(text: string, kind: FileKind, index: LineIndex): Directive[] {
  const re = kind === 'domain-xml' ? XML_DIRECTIVE : kind === 'packer' ? HCL_DIRECTIVE : INI_DIRECTIVE;
  const out: Directive[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({
      line: index.positionAt(m.index + m[0].length).line,
      verb: m[1] as Directive['verb'],
      rules: parseRules(m[2]),
    });
  }
  return out;
}

/** INI: lines that hold only a comment (or nothing) are skipped when resolving "next line". */
function isSkippableIniLine(text: string): boolean {
  const t = text.trim();
  return t === '' || t.startsWith('#') || t.startsWith(';');
}

// Blanks and whole comments, which may run over several lines.
const XML_BLANKS_AND_COMMENTS = /(?:\s+|<!--[\s\S]*?-->)*/y;

/**
 * Resolves "next line" for each disable-next-line directive, in document order: the next line
 * holding markup (XML) or a value (INI). In XML a run of blanks and comments already scanned for
 * an earlier directive is not scanned again, so many directives cost one pass.
 */
function targetLines(text: string, kind: FileKind, index: LineIndex, lines: number[]): number[] {
  let scannedFrom = -1;
  let scannedTo = -1;
  return lines.map((line) => {
    let next = line + 1;
    if (next >= index.lineCount) return next;
    if (kind === 'domain-xml') {
      const from = index.lineStart(next);
      if (from < scannedFrom || from > scannedTo) {
        XML_BLANKS_AND_COMMENTS.lastIndex = scannedFrom = from;
        XML_BLANKS_AND_COMMENTS.exec(text);
        scannedTo = XML_BLANKS_AND_COMMENTS.lastIndex;
      }
      return index.positionAt(scannedTo).line;
    }
    while (next < index.lineCount && isSkippableIniLine(text.slice(index.lineStart(next), index.lineEnd(next)))) next++;
    return next;
  });
}

/**
 * The last line of the INI option that starts on `line`: its indented continuation lines are
 * part of it, and no comment can stand between them (it would end the value).
 */
function lastContinuation(text: string, index: LineIndex, line: number): number {
  if (/^[ \t]*\[/.test(text.slice(index.lineStart(line), index.lineEnd(line)))) return line;
  let last = line;
  while (last + 1 < index.lineCount && /^[ \t]+\S/.test(text.slice(index.lineStart(last + 1), index.lineEnd(last + 1)))) last++;
  return last;
}

/** Whether a line ends with an unescaped backslash (the shell joins the next line to it). */
function continues(text: string, index: LineIndex, line: number): boolean {
  const m = /\\+\r?$/.exec(text.slice(index.lineStart(line), index.lineEnd(line)));
  return !!m && m[0].replace(/\r$/, '').length % 2 === 1;
}

/** The lines [first, last] of the shell command that holds `line`, joined by trailing backslashes. */
export function shellCommandLines(text: string, index: LineIndex, line: number): [number, number] {
  let first = line;
  while (first > 0 && continues(text, index, first - 1)) first--;
  let last = line;
  while (last + 1 < index.lineCount && continues(text, index, last)) last++;
  return [first, last];
}

/** Dialects whose commands continue over lines ending in a backslash (one suppression covers the command). */
export function isCommandKind(kind: FileKind): boolean {
  return kind === 'shell-script' || kind === 'systemd-unit' || kind === 'makefile' || kind === 'dockerfile';
}

/** Whether the file can hold a suppression comment (JSON cannot: a Packer JSON template has none). */
export function takesComments(kind: FileKind, text: string): boolean {
  return kind !== 'packer' || !/^\uFEFF?\s*\{/.test(text);
}

const covers = (d: Directive, rule: string) => d.rules.length === 0 || d.rules.includes(rule);

/**
 * Whether a finding of `rule` at `offset` is reported, or undefined when the text has no
 * suppression comment (everything is). A linter that folds findings past a cap asks before it
 * counts one, so that no fix reaches a line whose finding the user suppressed.
 */
export function suppressionFilter(text: string, kind: FileKind): ((rule: string, offset: number) => boolean) | undefined {
  if (!text.includes('qdt-')) return undefined;
  const index = new LineIndex(text);
  const ds = directives(text, kind, index);
  if (ds.length === 0) return undefined;

  const nextLine = new Map<number, Directive[]>();
  const nextLineDs = ds.filter((x) => x.verb === 'disable-next-line');
  targetLines(text, kind, index, nextLineDs.map((d) => d.line)).forEach((line, i) => {
    const last =
      kind === 'nova-conf' ? lastContinuation(text, index, line) : isCommandKind(kind) && line < index.lineCount ? shellCommandLines(text, index, line)[1] : line;
    for (let l = line; l <= last; l++) {
      const list = nextLine.get(l);
      if (list) list.push(nextLineDs[i]);
      else nextLine.set(l, [nextLineDs[i]]);
    }
  });
  const regions = ds.filter((x) => x.verb !== 'disable-next-line');

  return (rule, offset) => {
    const line = index.positionAt(offset).line;
    if ((nextLine.get(line) ?? []).some((d) => covers(d, rule))) return false;
    let disabled = false;
    for (const d of regions) {
      if (d.line >= line) break;
      if (covers(d, rule)) disabled = d.verb === 'disable';
    }
    return !disabled;
  };
}

/** Drops the findings that a suppression comment covers. */
export function applySuppressions(text: string, kind: FileKind, findings: Finding[]): Finding[] {
  const reported = suppressionFilter(text, kind);
  return reported ? findings.filter((f) => reported(f.rule, f.start)) : findings;
}

/** Where the reason starts in a suppression comment, per syntax (an XML comment may not hold "--"). */
export const REASON_SEPARATOR: Readonly<Record<FileKind, string>> = { 'domain-xml': ': ', 'nova-conf': ' -- ', 'shell-script': ' -- ', 'systemd-unit': ' -- ', 'proxmox-vm': ' -- ', 'kubevirt-yaml': ' -- ', makefile: ' -- ', dockerfile: ' -- ', packer: ' -- ', python: ' -- ', ansible: ' -- ' };

/** A suppression comment in the file's syntax: `verb` for `rules` (none: every rule), with `reason` when given. */
export function suppressionComment(kind: FileKind, verb: Directive['verb'], rules: string, reason?: string): string {
  const body = `qdt-${verb}${rules ? ` ${rules}` : ''}${reason !== undefined ? REASON_SEPARATOR[kind] + reason : ''}`;
  return kind === 'domain-xml' ? `<!-- ${body} -->` : `# ${body}`;
}

/** The comment that "Disable for this line" inserts above a line, in the file's syntax. */
export function disableNextLineComment(kind: FileKind, rule: string, reason = 'reason'): string {
  return suppressionComment(kind, 'disable-next-line', rule, reason);
}
