// Is a domain XML well-formed, and if not, where does libvirt's parser stop? libvirt reads every
// domain XML with libxml2 (virXMLParseHelper: xmlCtxtReadMemory/ReadFile, no recovery), so the
// first well-formedness error refuses the whole file ("virsh define" fails, nothing is changed).
// This single pass follows libxml2's parser.c in the order it reports errors: xmlParseDocument
// (XMLDecl, Misc, doctypedecl, the root element, "Extra content at the end of the document"),
// xmlParseStartTag2 / xmlParseAttValueInternal / xmlParseEndTag2, xmlParseCharData,
// xmlParseReference / xmlParseCharRef, xmlParseComment, xmlParseCDSect and xmlParsePI.
//
// fast-xml-parser's XMLValidator was measured for this and not used: it accepts files libxml2
// refuses ('<' or a bare '&' in an attribute value, undefined entities, a second root element,
// '--' in a comment), places an unterminated comment at 1:1, and took 2.6x the time of the whole
// lint on a 1.7 MB domain and 16x on a typical one (bench/README.md, "XML well-formedness").
//
// Only the first error is reported, as libxml2 stops there; the tolerant scanner (xmlScan.ts)
// still reads everything it can, so the other rules keep their findings.

export interface WellFormedError {
  /** The text libvirt's parser stopped at (the offending token). */
  start: number;
  end: number;
  /** libxml2's complaint in plain words, what it means, what to do. */
  message: string;
  /** Where the element or construct that is not finished began. */
  related?: { start: number; end: number; message: string };
}

const PREDEFINED_ENTITIES = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** XML 1.0 NameStartChar, the ranges that matter in practice (every non-ASCII letter accepted). */
const isNameStart = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
/** XML 1.0 Char, for character references: tab, LF, CR, and from space up, but not U+FFFE/U+FFFF (surrogates are checked apart). */
const isXmlChar = (c: number) => (c >= 0x20 && c !== 0xfffe && c !== 0xffff) || c === 0x09 || c === 0x0a || c === 0x0d;

const REFUSED = "libvirt's XML parser stops here and refuses the whole file";
const atEnd = (what: string) => `libvirt's XML parser reads to the end of the file looking for ${what} and refuses the whole file`;

/** A character XML 1.0 does not allow anywhere: C0 controls but tab/LF/CR, U+FFFE/U+FFFF, unpaired surrogate halves. */
const BAD_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Runs of ordinary characters, skipped by the regex engine in one call each.
const TEXT_RUN = /[^<&\]]*/y;
const SINGLE_QUOTED_RUN = /[^<&']*/y;
const DOUBLE_QUOTED_RUN = /[^<&"]*/y;
const NAME_REST = /[\w:.\-\u00b7-\uffff]*/y;

class Stop {
  constructor(readonly error: WellFormedError) {}
}

class Checker {
  private i = 0;
  private readonly n: number;
  /** Entities a DOCTYPE may declare: with one present, undeclared names are not judged. */
  private hasDoctype = false;
  /** Offset of the next character XML refuses at or after the last look (text.length: none). */
  private nextBad = -1;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  private fail(start: number, end: number, message: string, related?: WellFormedError['related']): never {
    throw new Stop({ start, end: Math.max(start, end), message, related });
  }

  private code(at: number): number {
    return this.text.charCodeAt(at);
  }

  private startsWith(s: string, at = this.i): boolean {
    return this.text.startsWith(s, at);
  }

  private skipSpace(): void {
    while (this.i < this.n && isSpace(this.code(this.i))) this.i++;
  }

  private readName(): string {
    const start = this.i;
    if (this.i < this.n && isNameStart(this.code(this.i))) {
      NAME_REST.lastIndex = this.i + 1;
      NAME_REST.test(this.text);
      this.i = NAME_REST.lastIndex;
    }
    return this.text.slice(start, this.i);
  }

  /** Skips a run of ordinary characters (a sticky regex) and checks them; false at the end of the text. */
  private skipRun(run: RegExp, where: string): boolean {
    const from = this.i;
    run.lastIndex = from;
    run.test(this.text);
    this.i = run.lastIndex;
    this.checkChars(from, this.i, where);
    return this.i < this.n;
  }

  /** Fails on the first character XML refuses in [from, to): one regex pass over the whole text, shared by every span. */
  private checkChars(from: number, to: number, where: string): void {
    if (this.nextBad < from) {
      BAD_CHAR.lastIndex = from;
      const m = BAD_CHAR.exec(this.text);
      this.nextBad = m ? m.index : this.n;
    }
    if (this.nextBad < to) this.badChar(this.nextBad, where);
  }

  /** End of the line holding `at`: a range for errors that concern "the rest of this line". */
  private lineEnd(at: number): number {
    const nl = this.text.indexOf('\n', at);
    return nl < 0 ? this.n : nl > at && this.code(nl - 1) === 0x0d ? nl - 1 : nl;
  }

  /** A character XML refuses (libxml2's xmlCurrentChar / xmlParseCharData: "invalid xmlChar value"). */
  private badChar(at: number, where: string): never {
    const c = this.code(at);
    this.fail(at, at + 1, `Character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML ${where}: ${REFUSED}. Remove it (a binary or mis-encoded paste).`);
  }

  run(): void {
    if (this.code(0) === 0xfeff) this.i = 1;
    if (this.startsWith('<?xml') && (this.i + 5 >= this.n || isSpace(this.code(this.i + 5)) || this.code(this.i + 5) === 0x3f)) this.pi();
    this.misc(true);
    if (this.i >= this.n) {
      const empty = this.text.trim() === '' || this.text === '\ufeff';
      this.fail(
        0,
        0,
        empty
          ? `The file is empty: ${REFUSED}. A domain XML needs a <domain> element.`
          : `The file holds no element, only comments or declarations: ${REFUSED}. A domain XML needs a <domain> element.`,
      );
    }
    if (this.code(this.i) !== 0x3c) {
      this.fail(this.i, this.lineEnd(this.i), `Text before the first element: ${REFUSED}. A domain XML starts with <domain> (after an optional <?xml ...?> line and comments).`);
    }
    this.element();
    this.misc(false);
    if (this.i < this.n) {
      const isElement = this.code(this.i) === 0x3c && isNameStart(this.code(this.i + 1));
      this.fail(
        this.i,
        this.lineEnd(this.i),
        isElement
          ? `A second top-level element after the first one has ended: ${REFUSED} (one element per file). Remove it, or move it inside the first element.`
          : `Text after the end of the top-level element: ${REFUSED}. Remove it.`,
      );
    }
  }

  /** Comments, PIs and blanks outside the root; a DOCTYPE before it. */
  private misc(beforeRoot: boolean): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<?')) this.pi();
      else if (beforeRoot && this.startsWith('<!DOCTYPE')) this.doctype();
      else return;
    }
  }

  /** <!DOCTYPE ...> with an optional [internal subset], skipped as a whole (entities are never expanded). */
  private doctype(): void {
    const start = this.i;
    this.hasDoctype = true;
    let depth = 0;
    let quote = 0;
    for (this.i += 9; this.i < this.n; this.i++) {
      const c = this.code(this.i);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x5b) depth++;
      else if (c === 0x5d) depth--;
      else if (c === 0x3e && depth <= 0) {
        this.i++;
        return;
      }
    }
    this.fail(start, start + 9, `This <!DOCTYPE is never closed with ">": ${atEnd('">"')}. Close it, or remove it (libvirt needs no DOCTYPE).`);
  }

  private comment(): void {
    const start = this.i;
    const dashes = this.text.indexOf('--', start + 4);
    this.checkChars(start + 4, dashes < 0 ? this.n : dashes, 'comments');
    if (dashes >= 0) {
      if (this.code(dashes + 2) === 0x3e) {
        this.i = dashes + 3;
        return;
      }
      this.fail(dashes, dashes + 2, `"--" inside a comment is not allowed in XML: ${REFUSED}. Write it another way (for example "- -"), or end the comment with "-->".`, {
        start,
        end: start + 4,
        message: 'The comment starts here.',
      });
    }
    this.fail(start, start + 4, `This comment is never closed with "-->": ${atEnd('"-->"')}, and everything after "<!--" is part of the comment. Close it.`);
  }

  private pi(): void {
    const start = this.i;
    this.i += 2;
    const target = this.readName();
    if (target === '') this.fail(start, start + 2, `"<?" must be followed by a name (a processing instruction): ${REFUSED}. Remove it, or write "&lt;?" for a literal "<?".`);
    if (target.toLowerCase() === 'xml' && start > (this.code(0) === 0xfeff ? 1 : 0)) {
      this.fail(start, this.i, `The XML declaration <?xml ...?> is allowed only at the very start of the file: ${REFUSED}. Move it to the first line, before any blank or comment, or remove it.`);
    }
    const close = this.text.indexOf('?>', this.i);
    if (close < 0) this.fail(start, this.i, `This <?${target} is never closed with "?>": ${atEnd('"?>"')}. Close it.`);
    this.i = close + 2;
  }

  /** An element and its content, iteratively (deep nesting must not overflow the stack). */
  private element(): void {
    const open: { name: string; start: number; nameEnd: number }[] = [];
    for (;;) {
      const tag = this.startTag();
      if (!tag.empty) open.push(tag);
      while (open.length > 0) {
        const event = this.content(open[open.length - 1]);
        if (event === 'start') break;
        // An end tag that matches: the element is done.
        open.pop();
      }
      if (open.length === 0) return;
    }
  }

  /** A start tag at this.i (which holds '<'); returns whether it was empty-element (<x/>). */
  private startTag(): { name: string; start: number; nameEnd: number; empty: boolean } {
    const start = this.i;
    this.i++;
    const name = this.readName();
    if (name === '') {
      this.fail(start, Math.max(start + 1, this.wordEnd(start + 1)), `"<" must start an element name here: ${REFUSED}. Write "&lt;" for a literal "<" in text, or fix the element name (names start with a letter, "_" or ":").`);
    }
    const nameEnd = this.i;
    // Built only when reporting: a big domain has hundreds of thousands of tags and attributes.
    const tagRel = () => ({ start, end: nameEnd, message: `The start tag <${name}> begins here.` });
    let seen: string[] | undefined;
    let seenSet: Set<string> | undefined;
    for (;;) {
      const beforeSpace = this.i;
      this.skipSpace();
      if (this.i >= this.n) this.fail(start, nameEnd, `The start tag <${name}> is never closed with ">" or "/>": ${atEnd('">"')}. Close it.`);
      const c = this.code(this.i);
      if (c === 0x3e) {
        this.i++;
        return { name, start, nameEnd, empty: false };
      }
      if (c === 0x2f) {
        if (this.code(this.i + 1) === 0x3e) {
          this.i += 2;
          return { name, start, nameEnd, empty: true };
        }
        this.fail(this.i, this.i + 1, `"/" in the start tag <${name}> must be followed by ">": ${REFUSED}. Write "/>" to close an empty element.`, tagRel());
      }
      const attrStart = this.i;
      const attr = this.readName();
      if (attr === '') {
        const unclosed = c === 0x3c;
        this.fail(
          this.i,
          this.i + 1,
          unclosed
            ? `The start tag <${name}> is not closed with ">" or "/>" before this "<": ${REFUSED}. Close it.`
            : `Unexpected ${JSON.stringify(this.text.charAt(this.i))} in the start tag <${name}>, where an attribute name, ">" or "/>" belongs: ${REFUSED}. Fix the tag.`,
          tagRel(),
        );
      }
      if (beforeSpace === attrStart) {
        this.fail(attrStart, this.i, `Attribute ${attr} follows the previous one with no blank between them: ${REFUSED}. Add a space before ${attr}.`, tagRel());
      }
      this.skipSpace();
      if (this.code(this.i) !== 0x3d) {
        this.fail(attrStart, this.i > attrStart + attr.length ? attrStart + attr.length : this.i, `Attribute ${attr} in <${name}> has no value: ${REFUSED} (XML has no attributes without "="). Write ${attr}='...', or remove it.`, tagRel());
      }
      this.i++;
      this.skipSpace();
      const q = this.code(this.i);
      if (q !== 0x22 && q !== 0x27) {
        this.fail(this.i, this.wordEnd(this.i), `The value of attribute ${attr} in <${name}> is not in quotes: ${REFUSED}. Put it in single or double quotes.`, tagRel());
      }
      this.attrValue(attrStart, attr, q);
      if (seenSet ? seenSet.has(attr) : seen?.includes(attr)) {
        this.fail(attrStart, this.i, `Attribute ${attr} is set twice in <${name}>: ${REFUSED}. Keep one of them.`, tagRel());
      }
      // A list for the few attributes of an ordinary tag; a set once there are many, so that a
      // tag with thousands of attributes is not checked in quadratic time.
      if (seenSet) seenSet.add(attr);
      else if ((seen ??= []).push(attr) > 16) seenSet = new Set(seen);
    }
  }

  /** End of a run of non-blank, non-markup characters from `at` (for a readable error range). */
  private wordEnd(at: number): number {
    let j = at;
    while (j < this.n && !isSpace(this.code(j)) && this.code(j) !== 0x3e && this.code(j) !== 0x3c && this.code(j) !== 0x2f) j++;
    return Math.max(j, Math.min(at + 1, this.n));
  }

  /** A quoted attribute value at this.i (the opening quote). */
  private attrValue(attrStart: number, attr: string, quote: number): void {
    const valueStart = this.i;
    this.i++;
    const rel = () => ({ start: attrStart, end: valueStart + 1, message: `The value of ${attr} starts here.` });
    const run = quote === 0x27 ? SINGLE_QUOTED_RUN : DOUBLE_QUOTED_RUN;
    while (this.skipRun(run, 'attribute values')) {
      const c = this.code(this.i);
      if (c === quote) {
        this.i++;
        return;
      }
      if (c === 0x3c) {
        this.fail(this.i, this.i + 1, `"<" inside the value of attribute ${attr}: ${REFUSED}. A closing quote is probably missing; a literal "<" is written "&lt;".`, rel());
      }
      this.reference(); // "&": the run stops only at the quote, "<" and "&"
    }
    this.fail(attrStart, valueStart + 1, `The value of attribute ${attr} is never closed with its quote: ${atEnd('that quote')}. Add the closing quote.`);
  }

  /** "&name;" or "&#N;" / "&#xN;" at this.i. */
  private reference(): void {
    const start = this.i;
    this.i++;
    if (this.code(this.i) === 0x23) {
      this.i++;
      const hex = this.code(this.i) === 0x78;
      if (hex) this.i++;
      const digitsStart = this.i;
      while (this.i < this.n && (hex ? /[0-9a-fA-F]/ : /[0-9]/).test(this.text.charAt(this.i))) this.i++;
      const digits = this.text.slice(digitsStart, this.i);
      if (digits === '' || this.code(this.i) !== 0x3b) {
        this.fail(start, this.i, `A character reference must be "&#DIGITS;" or "&#xHEX;": ${REFUSED}. Write "&amp;" for a literal "&".`);
      }
      this.i++;
      const value = parseInt(digits, hex ? 16 : 10);
      if (!(value <= 0x10ffff && isXmlChar(value) && !(value >= 0xd800 && value <= 0xdfff))) {
        this.fail(start, this.i, `${this.text.slice(start, this.i)} names a character XML does not allow: ${REFUSED}. Remove it.`);
      }
      return;
    }
    const name = this.readName();
    if (name === '') {
      this.fail(start, start + 1, `A bare "&" is not allowed in XML: ${REFUSED}. Write "&amp;".`);
    }
    if (this.code(this.i) !== 0x3b) {
      this.fail(start, this.i, `"&${name}" has no ";" after it: ${REFUSED}. Write "&amp;${name}" for a literal "&", or end the reference with ";".`);
    }
    this.i++;
    if (!this.hasDoctype && !PREDEFINED_ENTITIES.has(name)) {
      this.fail(start, this.i, `Entity &${name}; is not defined (XML knows only &lt; &gt; &amp; &apos; &quot;): ${REFUSED}. Write "&amp;${name};" for the literal text.`);
    }
  }

  /**
   * Content of the element `parent` until a child start tag (returns 'start', this.i at its '<')
   * or the parent's end tag (consumed; returns 'end').
   */
  private content(parent: { name: string; start: number; nameEnd: number }): 'start' | 'end' {
    while (this.skipRun(TEXT_RUN, 'text')) {
      const c = this.code(this.i);
      if (c === 0x3c) {
        const d = this.code(this.i + 1);
        if (d === 0x2f) {
          this.endTag(parent);
          return 'end';
        }
        if (d === 0x21) {
          if (this.startsWith('<!--')) this.comment();
          else if (this.startsWith('<![CDATA[')) this.cdata();
          else this.fail(this.i, this.wordEnd(this.i + 2), `"<!" here is neither a comment "<!--" nor "<![CDATA[": ${REFUSED}. Fix it, or write "&lt;!" for literal text.`);
          continue;
        }
        if (d === 0x3f) {
          this.pi();
          continue;
        }
        return 'start';
      }
      if (c === 0x26) {
        this.reference();
        continue;
      }
      // "]": the run stops at "<", "&" and "]".
      if (this.startsWith(']]>')) this.fail(this.i, this.i + 3, `"]]>" is not allowed in text: ${REFUSED}. Write "]]&gt;".`);
      this.i++;
    }
    this.fail(parent.start, parent.nameEnd, `<${parent.name}> is never closed: ${atEnd(`</${parent.name}>`)}. Add the end tag, or write <${parent.name} ... /> for an empty element.`, {
      start: this.n,
      end: this.n,
      message: 'The file ends here.',
    });
  }

  private endTag(parent: { name: string; start: number; nameEnd: number }): void {
    const start = this.i;
    this.i += 2;
    const name = this.readName();
    const nameEnd = this.i;
    this.skipSpace();
    const closed = this.code(this.i) === 0x3e;
    if (name !== parent.name) {
      const end = closed ? this.i + 1 : nameEnd;
      this.fail(
        start,
        end,
        name === ''
          ? `"</" must be followed by the element name, here </${parent.name}>: ${REFUSED}. Fix the end tag.`
          : `</${name}> does not match the open element <${parent.name}>: ${REFUSED}. Close <${parent.name}> first (its end tag is missing or misspelled), or remove this end tag.`,
        { start: parent.start, end: parent.nameEnd, message: `<${parent.name}> is opened here.` },
      );
    }
    if (!closed) {
      this.fail(this.i, Math.min(this.i + 1, this.n), `The end tag </${name}> is not closed with ">" (libxml2 expects it here): ${REFUSED}. Add the ">".`, {
        start,
        end: nameEnd,
        message: `The end tag </${name}> begins here.`,
      });
    }
    this.i++;
  }

  private cdata(): void {
    const start = this.i;
    const close = this.text.indexOf(']]>', this.i + 9);
    if (close < 0) this.fail(start, start + 9, `This CDATA section is never closed with "]]>": ${atEnd('"]]>"')}. Close it.`);
    this.checkChars(this.i + 9, close, 'CDATA sections');
    this.i = close + 3;
  }
}

/** The first well-formedness error of an XML text, as libxml2 (and so libvirt) finds it; undefined when well-formed. */
export function firstWellFormednessError(text: string): WellFormedError | undefined {
  try {
    new Checker(text).run();
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.error;
    throw e;
  }
}
