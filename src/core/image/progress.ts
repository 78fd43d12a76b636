// qemu-img `-p` output: "    (NN.NN/100%)\r" about every 1 %, "100.00" twice, then "\n"
// (measured.md). SIGUSR1 without -p prints the same text ending in "\n" on stderr. Chunks from
// a pipe can split an update anywhere, so the tail after the last separator is kept.

import type { ConvertProgress } from './convert';

const UPDATE = /\(\s*(\d+(?:\.\d+)?)\/100%\)/;

/** Splits a qemu-img progress stream into percentages, never decreasing, never above 100. */
export class ProgressParser {
  private tail = '';
  private last = -1;

  /** Feeds a chunk; returns the new (strictly higher) percentages it completed. */
  feed(chunk: string): number[] {
    const parts = (this.tail + chunk).split(/[\r\n]/);
    this.tail = parts.pop() ?? '';
    if (this.tail.length > 256) this.tail = this.tail.slice(-256); // not progress text: don't grow
    const out: number[] = [];
    for (const part of parts) {
      const m = UPDATE.exec(part);
      if (!m) continue;
      const p = Math.min(100, Number(m[1]));
      if (p > this.last) {
        this.last = p;
        out.push(p);
      }
    }
    return out;
  }

  /** The highest percentage seen, or -1. */
  get percent(): number {
    return this.last;
  }
}

/**
 * Turns percentages into progress events with speed and time left. `workBytes` is what 100 %
 * stands for: qemu-img counts allocated source data, so pass the source's allocated size.
 */
export class ProgressTracker {
  private readonly start: number;

  constructor(
    private readonly workBytes: number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  event(percent: number): ConvertProgress {
    const seconds = (this.now() - this.start) / 1000;
    const ev: ConvertProgress = { percent };
    // Below 1 % or 0.2 s the rate is noise (the first update is printed before any copying).
    if (percent >= 1 && seconds >= 0.2) {
      if (this.workBytes !== undefined) ev.bytesPerSecond = ((percent / 100) * this.workBytes) / seconds;
      ev.secondsLeft = percent >= 100 ? 0 : (seconds * (100 - percent)) / percent;
    }
    return ev;
  }
}
