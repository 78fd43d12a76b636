// Rates and durations for notifications (sizes: the CLI's humanBytes, so both fronts print them alike).
import { humanBytes } from '../core/units';
export { humanBytes as formatBytes };

/** In the unit that fits, so a small file's speed reads "420 KiB/s", not "0.0 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${humanBytes(Math.round(bytesPerSecond))}/s`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
