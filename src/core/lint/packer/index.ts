// The Packer template dialect: a template's qemu sources, read from JSON (json.ts) or HCL2
// (hcl.ts), linted by template.ts.
import type { Finding } from '../../types';
import { hclSources } from './hcl';
import { jsonSources } from './json';
import { lintPackerSources, type PackerSource } from './template';

/** JSON (legacy or *.pkr.json) when the text opens with `{`: an HCL body never does. */
export function isJsonTemplate(text: string): boolean {
  return /^\uFEFF?\s*\{/.test(text);
}

/** The template's qemu sources, from whichever syntax it is written in. */
export function packerSources(text: string): PackerSource[] {
  return isJsonTemplate(text) ? jsonSources(text) : hclSources(text);
}

/** Lints a Packer template. Never throws. */
export function lintPackerTemplate(text: string): Finding[] {
  try {
    return lintPackerSources(packerSources(text));
  } catch {
    // Built not to throw; this only keeps a bug from crashing the editor.
    return [];
  }
}
