// The Dockerfile dialect (also Containerfile): QEMU and qemu-img invocations in RUN, CMD and
// ENTRYPOINT, read as BuildKit's Dockerfile frontend reads them (moby/buildkit
// frontend/dockerfile/parser): instructions are case-insensitive; a line ending in the escape
// character (`\`, or what a leading `# escape=` directive names) continues the instruction, and
// comment and blank lines inside it are dropped; the shell form goes to /bin/sh -c as joined
// (so the shell's own quoting and expansions apply, variables opaque); the exec form
// `["qemu-img", "convert", …]` is a JSON array of argument words with nothing expanded
// (`["sh", "-c", "script"]` runs its script through the shell); RUN's `--mount=…` style flags come
// before the command; a heredoc right after RUN (`RUN <<EOF`) is the script itself.
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type { Finding } from '../../types';
import { jsonStringWord } from './jsonWords';
import { MappedText } from './mappedText';
import type { ShellWord } from './shellWords';
import { lintFound } from './lintFound';

const DIRECTIVE = /^#[ \t]*([A-Za-z]+)[ \t]*=[ \t]*(\S*)[ \t]*$/;
const INSTRUCTION = /^[ \t]*([A-Za-z]+)(?:[ \t]+|$)/;
const COMMAND_INSTRUCTIONS = new Set(['run', 'cmd', 'entrypoint']);
/** BuildKit's heredoc marker: <<EOF, <<-EOF, <<"EOF", <<'EOF'. */
const HEREDOC = /(?<!<)<<(-?)(["']?)([A-Za-z_][\w.-]*)\2/g;
/** `RUN <<EOF` with nothing after the marker: the heredoc is the script. */
const HEREDOC_SCRIPT = /^[ \t]*<<-?(["']?)[A-Za-z_][\w.-]*\1[ \t]*$/;
/** RUN's own flags before the command (--mount=…, --network=…, --security=…, --device=…). */
const RUN_FLAGS = /^(?:[ \t]*--[A-Za-z-]+(?:=(?:"[^"]*"|\S)*)?(?=[ \t]))*[ \t]*/;
/** Shells whose `-c` argument is a script (sh -c '…' in an exec form). */
const SHELLS = /^(?:\/(?:usr\/)?bin\/)?(?:sh|bash|dash|ash)$/;

interface Line {
  start: number;
  end: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const end = nl > start && text[nl - 1] === '\r' ? nl - 1 : nl;
    out.push({ start, end, text: text.slice(start, end) });
    if (nl >= text.length) break;
    start = nl + 1;
  }
  return out;
}

/** A string array in exec form; undefined when the text is no JSON array of strings (then it is the shell form). */
function execForm(m: MappedText): ShellWord[] | undefined {
  const text = m.text();
  if (!/^\s*\[/.test(text)) return undefined;
  const errors: ParseError[] = [];
  const root: Node | undefined = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (!root || errors.length > 0 || root.type !== 'array' || !root.children?.every((c) => c.type === 'string')) return undefined;
  return root.children.map((c) => m.toFile(jsonStringWord(text, c.offset, c.offset + c.length)));
}

/** The commands of an exec form: the argument words, or the script of `sh -c '…'`. */
function execCommands(words: ShellWord[]): ShellWord[][] {
  const c = words.findIndex((w, i) => i > 0 && w.value === '-c');
  if (words.length > 0 && SHELLS.test(words[0].value) && c > 0 && c + 1 < words.length) return MappedText.ofWord(words[c + 1]).shellCommands();
  return [words];
}

/** The shell commands that a Dockerfile's RUN, CMD and ENTRYPOINT instructions run, their words in file ranges. */
export function dockerfileCommands(text: string): ShellWord[][] {
  const lines = splitLines(text);
  const out: ShellWord[][] = [];
  let directives = true;
  let continued = /\\[ \t]*$/;
  for (let n = 0; n < lines.length; n++) {
    const first = lines[n];
    if (directives) {
      const d = DIRECTIVE.exec(first.text);
      if (d) {
        if (d[1].toLowerCase() === 'escape' && d[2] === '`') continued = /`[ \t]*$/;
        continue;
      }
      directives = false;
    }
    if (/^[ \t]*(#|$)/.test(first.text)) continue;
    const ins = INSTRUCTION.exec(first.text);
    const keyword = ins?.[1].toLowerCase();
    // The instruction over its continued lines, escape-newlines and inner comment lines dropped.
    const m = new MappedText();
    let at = first.start + (ins ? ins[0].length : 0);
    for (;;) {
      const line = lines[n];
      const cont = continued.exec(line.text);
      const stop = cont && n + 1 < lines.length ? line.start + cont.index : line.end;
      m.copy(text, at, stop);
      if (stop === line.end) break;
      n++;
      while (n + 1 < lines.length && /^[ \t]*(#|$)/.test(lines[n].text)) n++;
      at = lines[n].start;
    }
    // Heredoc bodies follow the instruction's last line, one after another.
    const heredocs = [...m.text().matchAll(HEREDOC)];
    const bodies: { start: number; end: number }[] = [];
    for (const h of heredocs) {
      const start = n + 1 < lines.length ? lines[n + 1].start : text.length;
      let end = start;
      while (++n < lines.length) {
        const l = lines[n].text;
        if ((h[1] ? l.replace(/^\t+/, '') : l) === h[3]) break;
        end = lines[n].end;
      }
      bodies.push({ start, end });
    }
    if (!keyword || !COMMAND_INSTRUCTIONS.has(keyword)) continue;
    const flags = keyword === 'run' ? (RUN_FLAGS.exec(m.text())?.[0].length ?? 0) : 0;
    const command = m.slice(flags);
    const exec = execForm(command);
    if (exec) out.push(...execCommands(exec));
    else if (heredocs.length > 0 && HEREDOC_SCRIPT.test(command.text()) && bodies[0]) {
      // `RUN <<EOF`: the first heredoc is the script.
      const script = new MappedText();
      script.copy(text, bodies[0].start, bodies[0].end);
      out.push(...script.shellCommands());
    } else out.push(...command.shellCommands());
  }
  return out;
}

/** Lints a Dockerfile's RUN, CMD and ENTRYPOINT instructions. Never throws. */
export function lintDockerfile(text: string): Finding[] {
  return lintFound(text, dockerfileCommands);
}
