// Packer templates in JSON: the legacy form (`"builders": [{"type": "qemu", …}]`, Go templates
// such as {{user `x`}} in strings) and HCL2's JSON syntax (*.pkr.json: `"source": {"qemu":
// {"name": {…}}}`, ${…} templates). Parsed with jsonc-parser, which keeps every node's offset
// and tolerates a file being typed; strings are decoded by jsonStringWord so each character
// keeps its place. Template expressions are opaque.
import { modify, parseTree, type JSONPath, type Node } from 'jsonc-parser';
import type { TextEdit } from '../../types';
import { jsonStringWord } from '../commandLine/jsonWords';
import { OPAQUE, type ShellWord } from '../commandLine/shellWords';
import type { PackerAttr, PackerSource } from './template';
import { opaqueTemplates } from './templates';

const ATTRS = ['disk_cache', 'disk_discard', 'disk_detect_zeroes'];
const IMG_SUBCOMMANDS = ['convert', 'create', 'resize'];

const prop = (obj: Node | undefined, name: string): Node | undefined =>
  obj?.type === 'object' ? obj.children?.find((p) => p.children?.[0]?.value === name) : undefined;
const valueOf = (p: Node | undefined): Node | undefined => p?.children?.[1];

/** A string node as a word, or an OPAQUE word for any other value. */
function word(text: string, n: Node, hcl: boolean): ShellWord {
  if (n.type === 'string') return opaqueTemplates(jsonStringWord(text, n.offset, n.offset + n.length), hcl);
  return { value: OPAQUE, starts: [n.offset], ends: [n.offset + n.length], start: n.offset, end: n.offset + n.length };
}

const range = (n: Node) => ({ start: n.offset, end: n.offset + n.length });

/** Deletes a property, its comma included, as jsonc-parser's modify does. */
function removal(text: string, path: JSONPath): TextEdit[] | undefined {
  try {
    const edits = modify(text, path, undefined, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
    return edits.length > 0 ? edits.map((e) => ({ start: e.offset, end: e.offset + e.length, newText: e.content })) : undefined;
  } catch {
    return undefined;
  }
}

/** One qemu source; `hcl`: HCL2's JSON syntax, whose strings are HCL templates. */
function source(text: string, obj: Node, anchor: Node, path: JSONPath | undefined, hcl: boolean): PackerSource {
  const attrs = new Map<string, PackerAttr>();
  for (const name of ATTRS) {
    const p = prop(obj, name);
    const v = valueOf(p);
    if (!p || !v) continue;
    attrs.set(name, { key: range(p.children![0]), whole: range(p), value: v.type === 'string' ? word(text, v, hcl) : undefined, remove: path && removal(text, [...path, name]) });
  }
  const s: PackerSource = { anchor: range(anchor), attrs, qemuImgArgs: new Map(), syntax: 'json' };
  const qa = prop(obj, 'qemuargs');
  const lists = valueOf(qa);
  if (qa && lists?.type === 'array') {
    s.qemuargs = { key: range(qa.children![0]), lists: (lists.children ?? []).filter((l) => l.type === 'array').map((l) => (l.children ?? []).map((n) => word(text, n, hcl))) };
  }
  const img = valueOf(prop(obj, 'qemu_img_args'));
  for (const sub of IMG_SUBCOMMANDS) {
    const p = prop(img, sub);
    const list = valueOf(p);
    if (p && list?.type === 'array') s.qemuImgArgs.set(sub, { key: range(p.children![0]), words: (list.children ?? []).map((n) => word(text, n, hcl)) });
  }
  return s;
}

/** Objects of an HCL JSON block: an object, or an array of objects (HCL's JSON syntax allows both). */
const objects = (n: Node | undefined): Node[] => (n?.type === 'object' ? [n] : n?.type === 'array' ? (n.children ?? []).filter((c) => c.type === 'object') : []);

/** The qemu sources of a JSON template. */
export function jsonSources(text: string): PackerSource[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object') return [];
  const out: PackerSource[] = [];
  // Legacy: builders[i] with "type": "qemu".
  const builders = valueOf(prop(root, 'builders'));
  (builders?.type === 'array' ? (builders.children ?? []) : []).forEach((b, i) => {
    const type = prop(b, 'type');
    if (valueOf(type)?.value === 'qemu') out.push(source(text, b, type!, ['builders', i], false));
  });
  // HCL2 JSON: source.qemu.<name> (only the object forms keep a path that modify can follow).
  const sources = valueOf(prop(root, 'source'));
  for (const src of objects(sources)) {
    const qemu = valueOf(prop(src, 'qemu'));
    for (const q of objects(qemu)) {
      for (const named of q.children ?? []) {
        const body = valueOf(named);
        const plain = sources?.type === 'object' && qemu?.type === 'object';
        if (body?.type === 'object') out.push(source(text, body, named.children![0], plain ? ['source', 'qemu', named.children![0].value] : undefined, true));
      }
    }
  }
  return out;
}

/** A legacy template with a qemu builder, or an HCL2 JSON template with a qemu source (by content, cheaply). */
export const PACKER_JSON_HINT = /"type"\s*:\s*"qemu"|"source"\s*:[\s\S]{0,200}?"qemu"\s*:/;
