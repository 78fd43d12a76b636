// The engine's front door: text in, findings out. No file system, no vscode.
import * as path from 'node:path';
import type { FileKind, Finding, Fix, LintOptions, TextEdit } from './types';
import { ruleInfo } from './rules';
import { applySuppressions } from './suppress';
import { applyEdits, nonOverlapping } from './text';
import { lintDomainXml } from './domainXml';
import { lintNovaConf } from './novaConf';

const TEMPLATE_EXT = /\.(j2|jinja2?|erb|tmpl|tpl|helmtpl)$/i;

/** Template files (.j2, .erb, .tmpl…): literal values are linted, template expressions skipped. */
export function isTemplateName(fileName: string): boolean {
  return TEMPLATE_EXT.test(fileName);
}

const NOVA_NAME = /^nova(-compute)?\.conf(\.sample)?$/i;
// Options Nova reads from [libvirt]; one of them beside a [libvirt] header marks a Nova file.
const NOVA_LIBVIRT_OPTION = /^[ \t]*(disk_cachemodes|libvirt_disk_cachemodes|images_type|virt_type|images_rbd_pool|cpu_mode|live_migration_\w+|hw_disk_discard|inject_\w+|rbd_\w+|connection_uri)[ \t]*[=:]/m;
const LIBVIRT_SECTION = /^\[libvirt\][ \t]*$/gim;
const NEXT_HEADER = /^\[/gm;

/** A [libvirt] section holds a Nova option (not merely a file that has both somewhere, like a cinder.conf with rbd_user). */
function hasNovaLibvirtSection(text: string): boolean {
  LIBVIRT_SECTION.lastIndex = 0;
  for (let m = LIBVIRT_SECTION.exec(text); m; m = LIBVIRT_SECTION.exec(text)) {
    const from = m.index + m[0].length;
    NEXT_HEADER.lastIndex = from;
    const next = NEXT_HEADER.exec(text);
    if (NOVA_LIBVIRT_OPTION.test(text.slice(from, next ? next.index : text.length))) return true;
    LIBVIRT_SECTION.lastIndex = Math.max(LIBVIRT_SECTION.lastIndex, next ? next.index : text.length);
  }
  return false;
}

/** First element name of an XML text, skipping the declaration, comments, DOCTYPE and PIs. */
function rootElementName(text: string): string | undefined {
  const re = /<(!--[\s\S]*?--|![^>]*|\?[\s\S]*?\?|([A-Za-z_][\w.:-]*))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2]) return m[2];
  }
  return undefined;
}

/**
 * Which rules a file gets, from its name and content; undefined = none of ours.
 * Domain XML is recognised by content (root <domain>, or a <disk> snippet); Nova config by
 * name, folder, or a [libvirt] section holding Nova options.
 */
export function detectKind(fileName: string, text: string): FileKind | undefined {
  const base = path.basename(fileName).replace(TEMPLATE_EXT, '');
  const head = text.slice(0, 64 * 1024);
  if (/\.xml$/i.test(base) || /^\s*</.test(head.replace(/^\uFEFF/, ''))) {
    const root = rootElementName(head);
    if (root === 'domain' || root === 'disk') return 'domain-xml';
    if (/\.xml$/i.test(base)) return undefined;
  }
  if (NOVA_NAME.test(base)) return 'nova-conf';
  const dir = path.basename(path.dirname(fileName));
  // kolla-ansible's external Ceph guide puts ceph.conf in /etc/kolla/config/nova/: librados reads it, not oslo.config.
  if (/\.conf(\.sample)?$/i.test(base) && !/^ceph\b/i.test(base) && (dir === 'nova.conf.d' || dir === 'nova')) return 'nova-conf';
  if (hasNovaLibvirtSection(text)) return 'nova-conf';
  return undefined;
}

export interface LintRequest extends LintOptions {
  /** Used for the template check and kind detection; need not exist on disk. */
  fileName: string;
  /** Skip detection. */
  kind?: FileKind;
}

/** Lints one text. Findings are sorted by position; suppressed and 'off' rules are dropped. */
export function lint(text: string, req: LintRequest): Finding[] {
  const kind = req.kind ?? detectKind(req.fileName, text);
  if (!kind) return [];
  const raw =
    kind === 'domain-xml'
      ? lintDomainXml(text, { template: isTemplateName(req.fileName) })
      : lintNovaConf(text, { hadBom: req.hadBom ?? false, template: isTemplateName(req.fileName) });
  const out: Finding[] = [];
  for (const f of applySuppressions(text, kind, raw)) {
    const setting = req.severities?.[f.rule] ?? ruleInfo(f.rule)?.severity ?? f.severity;
    if (setting === 'off') continue;
    out.push({ ...f, severity: setting });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end || a.rule.localeCompare(b.rule));
}

/** The preferred fix of a finding, if it has one. */
export function preferredFix(f: Finding): Fix | undefined {
  return f.fixes.find((x) => x.preferred);
}

/** The preferred fixes that "fix all" applies in one pass, one edit group per fix, none overlapping. */
export function fixAllGroups(findings: readonly Finding[]): TextEdit[][] {
  return nonOverlapping(findings.map(preferredFix).filter((f): f is Fix => !!f).map((f) => f.edits));
}

/**
 * The edits that "fix all" applies in one pass: each finding's preferred fix, skipping any that
 * overlaps one already taken (a later pass picks it up after re-linting).
 */
export function fixAllEdits(findings: readonly Finding[]): TextEdit[] {
  return fixAllGroups(findings).flat();
}

/**
 * Applies preferred fixes until none is left or nothing changes (at most `maxPasses`), re-linting
 * between passes so that fixes which overlapped in one pass still land. `fixed` counts fixes
 * applied (one fix may be several edits, e.g. a move).
 */
export function fixAll(text: string, req: LintRequest, maxPasses = 10): { text: string; fixed: number } {
  let current = text;
  let fixed = 0;
  for (let pass = 0; pass < maxPasses; pass++) {
    const groups = fixAllGroups(lint(current, req));
    if (groups.length === 0) break;
    const next = applyEdits(current, groups.flat());
    if (next === current) break;
    fixed += groups.length;
    current = next;
  }
  return { text: current, fixed };
}
