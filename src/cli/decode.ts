// Bytes of a file -> the text the engine lints, and back. The engine sees text without a
// byte-order mark; `hadBom` tells the Nova rules one was there (oslo.config refuses such a file).

import { isUtf8 } from 'node:buffer';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface Decoded {
  text: string;
  encoding: Encoding;
  /** A byte-order mark was stripped (for UTF-16 it is always there: that is how we know). */
  hadBom: boolean;
  /** Bytes that are not valid UTF-8 were replaced with U+FFFD; writing back would change them. */
  lossy: boolean;
}

export class NotTextError extends Error {}

function swapBytes(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  out.swap16();
  return out;
}

export function decodeBytes(bytes: Uint8Array): Decoded {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const encoding: Encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    let body = bytes.subarray(2);
    if (body.length % 2 !== 0) throw new NotTextError('it starts with a UTF-16 byte-order mark but has an odd number of bytes');
    if (encoding === 'utf-16be') body = swapBytes(body);
    const text = new TextDecoder('utf-16le').decode(body);
    if (text.includes('\0')) throw new NotTextError('it holds NUL characters, so it is binary, not a configuration file');
    return { text, encoding, hadBom: true, lossy: false };
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.indexOf(0) !== -1) throw new NotTextError('it holds NUL bytes, so it is binary (or UTF-16 without a byte-order mark), not a configuration file');
  const hadBom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const body = hadBom ? buf.subarray(3) : buf;
  // Invalid sequences become U+FFFD; `lossy` keeps --fix from writing those back.
  return { text: body.toString('utf8'), encoding: 'utf-8', hadBom, lossy: !isUtf8(body) };
}

/** Encodes text the way the file was: same encoding, byte-order mark kept if it had one. */
export function encodeText(text: string, like: Pick<Decoded, 'encoding' | 'hadBom'>): Buffer {
  if (like.encoding === 'utf-8') {
    const body = Buffer.from(text, 'utf8');
    return like.hadBom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
  }
  const le = Buffer.from('\ufeff' + text, 'utf16le');
  return like.encoding === 'utf-16be' ? le.swap16() : le;
}
