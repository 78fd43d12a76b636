// Does a file that is about to be converted as raw hold text rather than disk data? A raw disk
// image starts with boot code, a partition table, a filesystem's zeroed boot block or plain
// zeros: NUL bytes within its first kilobytes. A notes file, a script or an HTML error page
// saved under an image name is UTF-8 without a single NUL. Converting it "works" and gives a
// disk full of text, so both fronts ask first (the decision is made here, once).

/** How much of the file is looked at (what the inspector reads of every image too). */
export const TEXT_SAMPLE_BYTES = 64 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * True when `head` (the start of a file) reads as text: not empty, no NUL byte, valid UTF-8 (a
 * multi-byte character cut off at the end of the sample is allowed), and no control characters
 * other than tab, line feed, carriage return and form feed.
 */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let end = head.length;
  // Drop a UTF-8 sequence the sample cut in two (at most 3 continuation/lead bytes).
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = head[end - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for its lead
    if (b >= 0xc0) end -= back; // a lead byte whose sequence may be incomplete
    break;
  }
  for (let i = 0; i < end; i++) {
    const b = head[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
    if (b === 0x7f) return false;
  }
  try {
    decoder.decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a file the inspector read as raw starts with text: the one check convert refuses on
 * and inspect reports, made on the file already open (never on its path again).
 */
export async function rawReadsAsText(source: { read(offset: number, length: number): Promise<Buffer> }, format: string): Promise<boolean> {
  return format === 'raw' && looksLikeText(await source.read(0, TEXT_SAMPLE_BYTES));
}
