// Sizes and durations as an operator reads them.

/** 1536 -> "1.5 KiB"; exact bytes stay available in --json output. */
export function humanBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Bytes per second in the unit that fits: "420 KiB/s" for a small file, never "0.0 MiB/s". */
export function humanRate(bytesPerSecond: number): string {
  return `${humanBytes(Math.round(bytesPerSecond))}/s`;
}

/** Seconds -> "m:ss" or "h:mm:ss". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
