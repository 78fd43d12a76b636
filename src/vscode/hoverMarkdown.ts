// The Markdown of hovers on a cache/io value in domain XML or a disk_cachemodes item in nova.conf:
// what the mode does, as a small table from the shared mode facts. No vscode import (unit-tested).
import { CACHE_MODES, CACHE_MODE_FACTS, IO_MODES, IO_MODE_FACTS, isCacheMode, isIoMode, suggestValue } from '../core/lint/cacheModes';
import type { ModeTarget } from '../core/lint/hoverTargets';
import { DISKS_OF_TYPE, DISK_TYPES, intendedDiskType } from '../core/lint/nova/novaCacheModes';

/** Markdown for one cache mode: its summary and the facts table. */
export function cacheModeMarkdown(mode: (typeof CACHE_MODES)[number]): string {
  const f = CACHE_MODE_FACTS[mode];
  const rows: [string, string][] = [
    ['Host page cache', f.hostPageCache],
    ['O_DIRECT', f.oDirect],
    ['Guest write cache', f.guestWriteCache],
    ['Flushes', f.flushes],
    ['Host crash', f.hostCrash],
    ['Speed', f.speed],
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return `${f.summary}\n\n| | \`${mode}\` |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${cell(v)} |`).join('\n')}\n`;
}

function unknownValue(value: string, valid: readonly string[]): string {
  const guess = suggestValue(value, valid);
  return `\`${value}\` is not a value libvirt or Nova accepts.${guess ? ` Did you mean \`${guess}\`?` : ''} Valid: ${valid.map((v) => `\`${v}\``).join(', ')}.`;
}

/** A disk_cachemodes item: which disks it reaches (none, for a type Nova never matches), then the mode. */
function novaItemMarkdown(diskType: string, value: string): string {
  const item = `**disk_cachemodes \`${diskType}=${value}\`**`;
  const mode = isCacheMode(value) ? cacheModeMarkdown(value) : unknownValue(value, CACHE_MODES);
  const known = DISK_TYPES.find((t) => t === diskType);
  if (known) return `${item}: ${DISKS_OF_TYPE[known]} get cache mode \`${value}\`.\n\n${mode}`;
  const meant = intendedDiskType(diskType);
  const advice =
    meant?.why === 'rbd'
      ? ` RBD disks are \`network\` disks: write \`network=${value}\`.`
      : meant
        ? ` Did you mean \`${meant.type}=${value}\`?`
        : '';
  return (
    `${item}: applies to no disk. Nova looks a disk's cache mode up by its source type, which is ` +
    `only \`file\`, \`block\` or \`network\`; \`${diskType}\` never matches.${advice}\n\n` +
    `What \`${value}\` would do where it applied:\n\n${mode}`
  );
}

/** The hover text for a target, Markdown. */
export function targetMarkdown(t: ModeTarget): string {
  if (t.attr === 'io') {
    const head = `**${t.label ?? `io='${t.value}'`}**\n\n`;
    return head + (isIoMode(t.value) ? IO_MODE_FACTS[t.value] : unknownValue(t.value, IO_MODES));
  }
  if (t.diskType !== undefined) return novaItemMarkdown(t.diskType, t.value);
  return `**${t.label ?? `cache='${t.value}'`}**\n\n` + (isCacheMode(t.value) ? cacheModeMarkdown(t.value) : unknownValue(t.value, CACHE_MODES));
}
