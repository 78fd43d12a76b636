// Where "Disable <rule> for this line" puts its comment, so that the file still parses and the
// finding is really suppressed. No vscode import: unit-tested under plain Node.
//
// A comment line cannot go just anywhere:
// - XML: not inside a start tag that spans several lines (`<driver name='qemu'\n cache='unsafe'/>`);
//   the comment goes above the tag's first line, and since the finding is on a later line a
//   disable/enable pair brackets the tag.
// - nova.conf: never indented (oslo.config reads an indented line as part of the value above,
//   comment or not), and not between an option and its continuation lines (a comment there ends
//   the value, and the next indented line makes oslo.config refuse the whole file); a
//   disable/enable pair brackets the whole option instead.
// - YAML (KubeVirt): anywhere above the line, at its indentation.
// - shell: not inside a command continued over several lines with trailing backslashes (a
//   comment there ends the command); a disable/enable pair brackets the whole command.
import type { FileKind, TextEdit } from '../core/types';
import { REASON_SEPARATOR, disableNextLineComment, isCommandKind, shellCommandLines, suppressionComment } from '../core/lint/suppress';
import { LineIndex } from '../core/text';
import { parseIni } from '../core/lint/nova/ini';

export interface DisableAction {
  title: string;
  edits: TextEdit[];
}

/** The placeholder after the reason separator that the user replaces with why the finding does not apply. */
export const REASON = 'reason';

/**
 * An edit's text as a snippet: the reason placeholder becomes tab stop 1 (selected on insert, so
 * typing replaces it); everything else is literal. Undefined for an edit without a reason.
 */
export function reasonSnippet(text: string): string | undefined {
  for (const sep of Object.values(REASON_SEPARATOR)) {
    const at = text.indexOf(sep + REASON);
    if (at < 0) continue;
    const literal = (s: string) => s.replace(/[\\$}]/g, (c) => `\\${c}`);
    const after = at + sep.length + REASON.length;
    return `${literal(text.slice(0, at + sep.length))}\${1:${REASON}}${literal(text.slice(after))}`;
  }
  return undefined;
}

const indentOf = (text: string, index: LineIndex, line: number) =>
  /^[ \t]*/.exec(text.slice(index.lineStart(line), index.lineEnd(line)))![0];

function regionComments(kind: FileKind, rule: string): [string, string] {
  return [suppressionComment(kind, 'disable', rule, REASON), suppressionComment(kind, 'enable', rule)];
}

/** Lines [first, last] that must not be split: a multi-line XML start tag or INI option holding `at`. */
function unsplittable(text: string, kind: FileKind, index: LineIndex, at: number): [number, number] {
  const line = index.positionAt(at).line;
  if (isCommandKind(kind)) return shellCommandLines(text, index, line);
  // YAML: a comment line may stand above any line, at any indentation (never inside a block scalar, where no finding is).
  if (kind === 'kubevirt-yaml') return [line, line];
  if (kind === 'domain-xml') {
    const lt = text.lastIndexOf('<', at);
    const inTag = lt !== -1 && /[A-Za-z_:]/.test(text.charAt(lt + 1)) && text.slice(lt, at).indexOf('>') === -1;
    if (!inTag) return [line, line];
    const gt = text.indexOf('>', at);
    return [index.positionAt(lt).line, gt === -1 ? line : index.positionAt(gt).line];
  }
  for (const e of parseIni(text).entries) {
    if (e.line < line && line <= e.lastLine) return [e.line, e.lastLine];
  }
  return [line, line];
}

/** The edits that suppress `rule` for the finding starting at offset `at`. */
export function disableEdits(text: string, kind: FileKind, rule: string, at: number, eol: string): DisableAction {
  const index = new LineIndex(text);
  const [first, last] = unsplittable(text, kind, index, at);
  // INI comments stay at column 0; XML comments take the element's indentation.
  const indent = kind === 'nova-conf' ? '' : indentOf(text, index, first);
  const findingLine = index.positionAt(at).line;
  if (first === findingLine) {
    return {
      title: `Disable ${rule} for this line`,
      edits: [{ start: index.lineStart(first), end: index.lineStart(first), newText: indent + disableNextLineComment(kind, rule) + eol }],
    };
  }
  const [disable, enable] = regionComments(kind, rule);
  return {
    title: `Disable ${rule} for this ${kind === 'domain-xml' ? 'element' : isCommandKind(kind) ? 'command' : 'option'}`,
    edits: [
      { start: index.lineStart(first), end: index.lineStart(first), newText: indent + disable + eol },
      { start: index.lineEnd(last), end: index.lineEnd(last), newText: eol + indent + enable },
    ],
  };
}
