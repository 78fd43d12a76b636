// Convert progress on stderr: a redrawn bar on a terminal, a plain line every 10% otherwise
// (CI logs keep every line, so a redrawn bar would become hundreds of them).
import type { ConvertProgress } from '../core/image/convert';
import type { Out } from './io';
import { clock, humanRate } from '../core/units';

const WIDTH = 30;

export function formatProgressLine(p: ConvertProgress): string {
  const extras = [
    p.bytesPerSecond !== undefined ? humanRate(p.bytesPerSecond) : '',
    p.secondsLeft !== undefined ? `${clock(p.secondsLeft)} left` : '',
  ].filter(Boolean);
  return `${p.percent.toFixed(0).padStart(3)}%${extras.length ? '  ' + extras.join('  ') : ''}`;
}

export interface ProgressReporter {
  update(p: ConvertProgress): void;
  /** Ends the bar's line so the next message starts on a fresh one. */
  done(): void;
}

export function progressReporter(out: Out, tty: boolean, label: string): ProgressReporter {
  let lastStep = -1;
  let drawn = false;
  return {
    update(p) {
      if (tty) {
        const filled = Math.round((Math.min(100, Math.max(0, p.percent)) / 100) * WIDTH);
        out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${formatProgressLine(p)}\x1b[K`);
        drawn = true;
        return;
      }
      const step = Math.floor(p.percent / 10);
      if (step > lastStep) {
        lastStep = step;
        out.write(`${label} ${formatProgressLine(p)}\n`);
      }
    },
    done() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
