// Ansible tasks (playbooks, roles' tasks files): QEMU and qemu-img invocations in the command
// and shell modules (also as ansible.builtin.* / ansible.legacy.*): a free-form string or `cmd:`
// is split as the shell splits it (the command module's own splitting follows shell quoting;
// its `$VAR` expansion is as opaque as the shell's), `argv:` is the word list itself. Jinja
// expressions ({{ var }}, {% … %}) are opaque. YAML is parsed with the `yaml` package; each
// scalar is then decoded again here with the place of every character, and used only when that
// decoding gives the parser's own value (so a range is never guessed).
import { isMap, isScalar, isSeq, parseAllDocuments, visit, type Scalar } from 'yaml';
import type { Finding } from '../../types';
import { lintFound } from './lintFound';
import { INVOCATION_HINT } from './shellScript';
import { MappedText } from './mappedText';
import { OPAQUE, type ShellWord } from './shellWords';

const MODULES = new Set(['command', 'shell', 'ansible.builtin.command', 'ansible.builtin.shell', 'ansible.legacy.command', 'ansible.legacy.shell']);

/** A task that may run one of the modules (cheap test before parsing). */
const ANSIBLE_HINT = /^[ \t-]*(?:ansible\.(?:builtin|legacy)\.)?(?:command|shell)[ \t]*:/m;
/** A program as an item of a flow list (`argv: [qemu-img, …]`), which the shell-minded hint does not see. */
const FLOW_ITEM = /[[,][ \t]*["']?(?:\S*\/)?(?:qemu-system-[\w.-]+|qemu-kvm|kvm|qemu-img|virt-install|virt-xml)[ \t]*["']?[,\]]/;

/** Cheap test: a command or shell task that may run one of the programs. */
export function ansibleMayRun(text: string): boolean {
  return ANSIBLE_HINT.test(text) && (INVOCATION_HINT.test(text) || FLOW_ITEM.test(text));
}

const DOUBLE_ESCAPES: Readonly<Record<string, string>> = { '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };

/** A flow scalar (plain or quoted) at text[from, to), decoded with YAML's line folding. */
function flowScalar(text: string, from: number, to: number, quote: '' | "'" | '"'): MappedText {
  const m = new MappedText();
  let i = from + (quote ? 1 : 0);
  const end = quote && text[to - 1] === quote ? to - 1 : to;
  /** Characters of the current line not yet written: trailing blanks are dropped at a line break. */
  let pending: [string, number, number][] = [];
  const flush = () => {
    for (const [c, s, e] of pending) m.stand(c, s, e);
    pending = [];
  };
  while (i < end) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      // Drop the blanks before the break, count the empty lines after it: one break folds to a space.
      while (pending.length > 0 && (pending[pending.length - 1][0] === ' ' || pending[pending.length - 1][0] === '\t') && pending[pending.length - 1][2] - pending[pending.length - 1][1] === 1) pending.pop();
      flush();
      const at = i;
      let breaks = 0;
      while (i < end && /[ \t\r\n]/.test(text[i])) {
        if (text[i] === '\n') breaks++;
        i++;
      }
      if (breaks === 1) m.stand(' ', at, i);
      else for (let k = 1; k < breaks; k++) m.stand('\n', at, i);
      continue;
    }
    if (quote === "'" && c === "'" && text[i + 1] === "'") {
      pending.push(["'", i, i + 2]);
      i += 2;
    } else if (quote === '"' && c === '\\') {
      const e = text[i + 1];
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (e === '\n' || e === '\r') {
        // An escaped line break: nothing, and the next line's leading blanks go too.
        flush();
        i += e === '\r' ? 3 : 2;
        while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
      } else if (hex > 0) {
        pending.push([String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + hex), 16) || 0), i, i + 2 + hex]);
        i += 2 + hex;
      } else {
        pending.push([DOUBLE_ESCAPES[e] ?? e, i, i + 2]);
        i += 2;
      }
    } else {
      pending.push([c, i, i + 1]);
      i++;
    }
  }
  flush();
  return m;
}

/** A block scalar (| or >) at text[from, to): its lines without their indentation; > folds lines into spaces. */
function blockScalar(text: string, from: number, to: number, folded: boolean): MappedText {
  const m = new MappedText();
  const headerEnd = text.indexOf('\n', from);
  if (headerEnd < 0 || headerEnd >= to) return m;
  const header = text.slice(from, headerEnd);
  // An explicit indentation indicator counts from the parent's indentation, not known here: not read.
  if (/[1-9]/.test(header)) return m;
  let indent = -1;
  let i = headerEnd + 1;
  let prevNormal = false;
  let emptyRun: number[] = [];
  while (i < to) {
    let eol = text.indexOf('\n', i);
    if (eol < 0 || eol > to) eol = to;
    const lineEnd = eol > i && text[eol - 1] === '\r' ? eol - 1 : eol;
    const line = text.slice(i, lineEnd);
    if (/^[ \t]*$/.test(line)) {
      emptyRun.push(i);
    } else {
      if (indent < 0) indent = /^ */.exec(line)![0].length;
      const more = line.length > indent && /[ \t]/.test(line[indent]);
      if (m.length > 0) {
        if (folded && prevNormal && !more && emptyRun.length === 0) m.stand(' ', i - 1, i);
        else {
          const breaks = folded && prevNormal && !more ? emptyRun.length : emptyRun.length + 1;
          for (let k = 0; k < breaks; k++) m.stand('\n', i - 1, i);
        }
      }
      emptyRun = [];
      m.copy(text, i + Math.min(indent, line.length), lineEnd);
      prevNormal = !more;
    }
    i = eol + 1;
  }
  return m;
}

/** The scalar's characters with their places, or undefined when they do not decode to the parser's value. */
function scalarText(text: string, node: Scalar): MappedText | undefined {
  if (!node.range || typeof node.value !== 'string') return undefined;
  const [from, to] = node.range;
  const m =
    node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED'
      ? blockScalar(text, from, to, node.type === 'BLOCK_FOLDED')
      : flowScalar(text, from, to, node.type === 'QUOTE_SINGLE' ? "'" : node.type === 'QUOTE_DOUBLE' ? '"' : '');
  return m.text().replace(/\n+$/, '') === node.value.replace(/\n+$/, '') ? opaqueJinja(m) : undefined;
}

/** Jinja expressions, statements and comments as one opaque character each. */
function opaqueJinja(m: MappedText): MappedText {
  const t = m.text();
  if (!/\{[{%#]/.test(t)) return m;
  const out = new MappedText();
  for (let i = 0; i < t.length; ) {
    const open = /^\{[{%#]/.exec(t.slice(i, i + 2));
    if (open) {
      const close = t.indexOf(open[0][1] === '{' ? '}}' : `${open[0][1]}}`, i + 2);
      const end = close < 0 ? t.length : close + 2;
      out.stand(OPAQUE, m.starts[i], m.ends[end - 1]);
      i = end;
    } else {
      out.stand(t[i], m.starts[i], m.ends[i]);
      i++;
    }
  }
  return out;
}

/** A scalar as one argument word (argv), or undefined when it cannot be placed. */
function argvWord(text: string, node: unknown): ShellWord | undefined {
  if (!isScalar(node) || !node.range) return undefined;
  const m = typeof node.value === 'string' ? scalarText(text, node) : undefined;
  const [from, to] = node.range;
  if (!m) return { value: OPAQUE, starts: [from], ends: [to], start: from, end: to };
  return { value: m.text(), starts: m.starts, ends: m.ends, start: from, end: to };
}

/** The commands that the command and shell tasks of an Ansible YAML file run, their words in file ranges. */
export function ansibleCommands(text: string): ShellWord[][] {
  const out: ShellWord[][] = [];
  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Pair(_, pair) {
        if (!isScalar(pair.key) || !MODULES.has(String(pair.key.value))) return;
        const v = pair.value;
        const script = isScalar(v) ? v : isMap(v) ? v.get('cmd', true) : undefined;
        if (isScalar(script)) {
          const m = scalarText(text, script);
          if (m) out.push(...m.shellCommands());
        }
        const argv = isMap(v) ? v.get('argv', true) : undefined;
        if (isSeq(argv)) {
          const words = argv.items.map((n) => argvWord(text, n));
          if (words.every((w): w is ShellWord => !!w)) out.push(words);
        }
      },
    });
  }
  return out;
}

/** Ranges of plain scalars inside flow collections, where a fix must not insert `,` or brackets. */
function flowPlainRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Scalar(_, node, path) {
        const parent = path[path.length - 1];
        const inFlow = path.some((p) => (isSeq(p) || isMap(p)) && p.flow);
        if (inFlow && node.type === 'PLAIN' && node.range && parent) out.push([node.range[0], node.range[1]]);
      },
    });
  }
  return out;
}

/** Lints an Ansible YAML file's command and shell tasks. Never throws. */
export function lintAnsible(text: string): Finding[] {
  const findings = lintFound(text, ansibleCommands, ansibleMayRun);
  if (findings.length === 0) return findings;
  // A `,` appended to a plain scalar in a flow list would split it: such fixes are not offered.
  const flow = flowPlainRanges(text);
  const unsafe = (e: { start: number; newText: string }) => /[,[\]{}#]/.test(e.newText) && flow.some(([a, b]) => e.start >= a && e.start <= b);
  return findings.map((f) => ({ ...f, fixes: f.fixes.filter((x) => !x.edits.some(unsafe)) }));
}
