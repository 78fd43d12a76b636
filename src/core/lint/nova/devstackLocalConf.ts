import type { Finding } from '../../types';

// DevStack's local.conf: meta-sections `[[phase|file]]`, each holding the lines that DevStack
// merges into `file` at `phase` (lib/meta-config: get_meta_section, merge_config_file).
// `[[local|localrc]]` is shell, never INI; every other block is INI for the file it names.
// Only blocks for Nova's own config files are linted, each as its own config: a key set in the
// block for $NOVA_CONF and again in the block for $NOVA_CPU_CONF is not a duplicate.

export interface MetaSection {
  phase: string;
  /** The destination as written (often a variable: $NOVA_CONF). */
  file: string;
  /** Offset of the first line after the header, and of the next header (or the end). */
  bodyStart: number;
  bodyEnd: number;
}

// get_meta_section's header test is awk's /^\[\[.+\|.*\]\]/ on the line; the name is the first
// whitespace-separated field with every bracket removed, split at the first '|'.
const HEADER = /^\[\[.+\|.*\]\].*$/gm;

/** The meta-sections of a local.conf, in order; empty when the text has none. */
export function metaSections(text: string): MetaSection[] {
  const heads: { phase: string; file: string; lineEnd: number; start: number }[] = [];
  HEADER.lastIndex = 0;
  for (let m = HEADER.exec(text); m; m = HEADER.exec(text)) {
    const field = m[0].trimStart().split(/[ \t]/)[0].replace(/[[\]]/g, '');
    const bar = field.indexOf('|');
    const lineEnd = m.index + m[0].length;
    heads.push({ phase: field.slice(0, bar), file: field.slice(bar + 1).replace(/\r$/, ''), start: m.index, lineEnd });
  }
  return heads.map((h, i) => {
    const nl = text.indexOf('\n', h.lineEnd);
    return { phase: h.phase, file: h.file, bodyStart: nl === -1 ? text.length : nl + 1, bodyEnd: i + 1 < heads.length ? heads[i + 1].start : text.length };
  });
}

// Nova's files as DevStack names them (lib/nova: NOVA_CONF, NOVA_CPU_CONF, NOVA_COND_CONF,
// NOVA_CELLS_CONF…, all under NOVA_CONF_DIR=/etc/nova), or written out as paths.
const NOVA_FILE = /^(\$\{?NOVA_[A-Z_]*CONF\}?|(\$\{?NOVA_CONF_DIR\}?|\/etc\/nova)\/[\w.-]+\.conf)$/;

export function isNovaConfigTarget(file: string): boolean {
  return NOVA_FILE.test(file.trim());
}

/** A finding of a block linted alone, moved to the block's place in the whole file. */
export function shiftFinding(f: Finding, by: number): Finding {
  const out: Finding = {
    ...f,
    start: f.start + by,
    end: f.end + by,
    fixes: f.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, start: e.start + by, end: e.end + by })) })),
  };
  if (f.subject !== undefined) out.subject = f.subject + by;
  if (f.related) out.related = f.related.map((r) => ({ ...r, start: r.start + by, end: r.end + by }));
  return out;
}

/**
 * The Nova blocks of a local.conf, or undefined when the text has no meta-section. Text
 * before the first header is read by no phase (get_meta_section prints only inside a match).
 */
export function novaBlocks(text: string): MetaSection[] | undefined {
  const sections = metaSections(text);
  if (sections.length === 0) return undefined;
  return sections.filter((s) => s.phase !== 'local' && s.file !== 'localrc' && isNovaConfigTarget(s.file));
}
