// Text edits on scanned XML: replace an attribute value, add or remove an attribute, add a child
// element. Each keeps the surrounding style (quote character, indentation, line breaks).
import type { TextEdit } from '../../types';
import type { XmlAttr, XmlElement } from './xmlScan';

/** The quote character an element's attributes use, else `fallback`. */
export function quoteOf(el: XmlElement | undefined, fallback: '"' | "'"): '"' | "'" {
  return el?.quote ?? fallback;
}

/** Replaces the text between the quotes; the quotes themselves stay. */
export function replaceValue(a: XmlAttr, value: string): TextEdit {
  return { start: a.valueStart, end: a.valueEnd, newText: value };
}

/** Removes an attribute with the whitespace before it. */
export function removeAttr(a: XmlAttr): TextEdit {
  return { start: a.wsStart, end: a.end, newText: '' };
}

/**
 * Adds `name=value` to a start tag, after the attribute named in `after` that is present (libvirt
 * writes driver attributes in the order name, type, cache, io), else right after the element name.
 */
export function insertAttr(el: XmlElement, name: string, value: string, quote: '"' | "'", after: readonly string[]): TextEdit {
  let at = el.nameEnd;
  for (const prev of after) {
    const a = el.attr(prev);
    if (a?.complete) {
      at = a.end;
      break;
    }
  }
  return { start: at, end: at, newText: ` ${name}=${quote}${value}${quote}` };
}

/** The whitespace that starts the line `offset` is on, if only whitespace precedes it there. */
function indentBefore(text: string, offset: number): string | undefined {
  let s = offset;
  while (s > 0 && text[s - 1] !== '\n' && text[s - 1] !== '\r') s--;
  const lead = text.slice(s, offset);
  return /^[ \t]*$/.test(lead) ? lead : undefined;
}

/**
 * Inserts `markup` as the first child of `parent`, on a line of its own indented like the
 * parent's first child (or one level deeper than the parent); inline when that child shares its
 * line with other markup (`<disk><source/></disk>` on one line). Undefined when the parent has no
 * room for a child (self-closing or unfinished start tag).
 */
export function insertFirstChild(text: string, parent: XmlElement, markup: string, eol: string): TextEdit | undefined {
  if (!parent.tagClosed || parent.selfClosing) return undefined;
  const first = parent.children[0];
  const parentIndent = indentBefore(text, parent.start);
  const indent = first ? indentBefore(text, first.start) : parentIndent !== undefined ? parentIndent + '  ' : undefined;
  const newText = indent === undefined ? markup : eol + indent + markup;
  return { start: parent.tagEnd, end: parent.tagEnd, newText };
}
