// Template expressions inside Packer strings, never guessed: Go templates ({{user `x`}},
// {{ .HTTPIP }}; Packer interpolates qemuargs and legacy JSON values with them) and HCL
// templates (${var.x}, %{ if … }; `$${` and `%%{` are a literal `${` and `%{`, HCL's
// template escapes). Each expression becomes one OPAQUE character spanning where it was written.
import { appendChar, OPAQUE, type ShellWord } from '../commandLine/shellWords';

/** The end (exclusive) of the braces opened at value[i] (`{{`, `${`, `%{`), counting nested braces; the value's length when unclosed. */
function closeOf(v: string, i: number, go: boolean): number {
  if (go) {
    const end = v.indexOf('}}', i + 2);
    return end < 0 ? v.length : end + 2;
  }
  let depth = 0;
  for (let k = i + 1; k < v.length; k++) {
    if (v[k] === '{') depth++;
    else if (v[k] === '}' && --depth === 0) return k + 1;
  }
  return v.length;
}

/**
 * The word with its template expressions made opaque: Go templates always, HCL's (and its
 * escapes undone) when `hcl` (HCL's native syntax does those itself while scanning a string).
 */
export function opaqueTemplates(w: ShellWord, hcl: boolean): ShellWord {
  const v = w.value;
  if (!(hcl ? /\{\{|[$%]\{/ : /\{\{/).test(v)) return w;
  let out: ShellWord = { value: '', starts: [], ends: [], start: w.start, end: w.end };
  for (let i = 0; i < v.length; ) {
    const two = v.slice(i, i + 3);
    if (hcl && (two === '$${' || two === '%%{')) {
      out = appendChar(out, v[i], w.starts[i], w.ends[i + 1]);
      i += 2;
    } else if (v.startsWith('{{', i) || (hcl && (v[i] === '$' || v[i] === '%') && v[i + 1] === '{')) {
      const end = closeOf(v, i, v[i] === '{');
      out = appendChar(out, OPAQUE, w.starts[i], w.ends[end - 1]);
      i = end;
    } else {
      out = appendChar(out, v[i], w.starts[i], w.ends[i]);
      i++;
    }
  }
  out.start = w.start;
  out.end = w.end;
  return out;
}
