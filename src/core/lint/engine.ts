// The engine's front door: text in, findings out. No file system, no vscode.
import * as path from 'node:path';
import { atLeast, type FileKind, type Finding, type Fix, type LintOptions, type Severity, type TextEdit } from '../types';
import { ruleInfo } from './rules';
import { applySuppressions, suppressionFilter } from './suppress';
import { applyEdits, composeEdits, nonOverlapping } from '../text';
import { lintDomainXml } from './domainXml/domainXml';
import { lintNovaConf } from './nova/novaConf';
import { novaBlocks, shiftFinding } from './nova/devstackLocalConf';
import { INVOCATION_HINT, lintShellScript } from './commandLine/shellScript';
import { lintSystemdUnit } from './commandLine/systemdUnit';
import { lintProxmoxConf, PROXMOX_DRIVE_LINE } from './proxmox/reader';
import { isKubevirtText, lintKubevirt } from './kubevirt/reader';
import { lintMakefile, makefileMayRun } from './commandLine/makefile';
import { lintPythonArgs, PYTHON_ARGS_HINT } from './commandLine/pythonArgs';
import { ansibleMayRun, lintAnsible } from './commandLine/ansible';
import { lintDockerfile } from './commandLine/dockerfile';
import { isJsonTemplate, lintPackerTemplate } from './packer';
import { PACKER_JSON_HINT } from './packer/json';

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

// /etc/nova also holds configs that oslo.config never reads: Python logging's fileConfig
// (logging.conf) and oslo.rootwrap's rootwrap.conf (filters_path, exec_dirs).
const LOGGING_SECTION = /^\[(loggers|handlers|formatters)\][ \t]*$/m;
const ROOTWRAP_OPTION = /^[ \t]*(filters_path|exec_dirs)[ \t]*[=:]/m;

function notOsloConfig(text: string): boolean {
  return LOGGING_SECTION.test(text) || ROOTWRAP_OPTION.test(text);
}

const SHELL_EXT = /\.(sh|bash)$/i;
const SHELL_SHEBANG = /^#![ \t]*\S*\/(?:env[ \t]+(?:-\S+[ \t]+)*)?(?:ba|da|k|z|mk|pdk)?sh\b/;

const UNIT_EXT = /\.(service|socket|mount|swap)$/i;
const EXEC_LINE = /^[ \t]*Exec\w*[ \t]*=/m;

/** A systemd unit, or a drop-in of one (foo.service.d/override.conf). */
function isSystemdUnit(base: string, fileName: string): boolean {
  return UNIT_EXT.test(base) || (/\.conf$/i.test(base) && UNIT_EXT.test(path.basename(path.dirname(fileName)).replace(/\.d$/, '')));
}

/** A shell script by its name (.sh, .bash) or its #! line (sh, bash, dash, ksh, zsh, also through env). */
function isShellScript(base: string, head: string): boolean {
  return SHELL_EXT.test(base) || SHELL_SHEBANG.test(head.replace(/^\uFEFF/, ''));
}

const MAKEFILE_NAME = /^(?:GNUmakefile|[Mm]akefile(?:\.[\w.-]+)?|.+\.(?:mk|make))$/;
const DOCKERFILE_NAME = /^(?:(?:Docker|Container)file(?:\.[\w.-]+)?|.+\.(?:dockerfile|containerfile))$/i;
const PYTHON_NAME = /\.pyw?$/i;
const PYTHON_SHEBANG = /^#![ \t]*\S*\/(?:env[ \t]+(?:-\S+[ \t]+)*)?python[\d.]*\b/;
const PACKER_NAME = /\.pkr\.(?:hcl|json)$/i;
/** A qemu source in HCL2 (source "qemu" "x", or a build's source.qemu.x), or a JSON template's qemu builder or source. */
const PACKER_HCL_HINT = /\bsource[ \t]+"(?:qemu"|source\.qemu\.)/;

/** A Packer template with a qemu source or builder: *.pkr.hcl / *.pkr.json, or a legacy *.json with a qemu builder. */
function isPackerTemplate(base: string, text: string, language: string | undefined): boolean {
  if (PACKER_NAME.test(base) || language === 'hcl' || language === 'packer') return (isJsonTemplate(text) ? PACKER_JSON_HINT : PACKER_HCL_HINT).test(text);
  return (/\.json$/i.test(base) || language === 'json' || language === 'jsonc') && /"builders"\s*:/.test(text) && PACKER_JSON_HINT.test(text);
}

/** Where Proxmox VE keeps VM configs: /etc/pve/qemu-server/<vmid>.conf (also under nodes/<node>/). */
const PROXMOX_PATH = /(?:^|[\\/])qemu-server[\\/]\d+\.conf$/;
/** Keys every VM config written by Proxmox has besides its drives. */
const PROXMOX_VM_KEY = /^(?:boot|bootdisk|cores|sockets|memory|ostype|scsihw|smbios1|vmgenid|name|net\d+):[ \t]/m;
/** Files that may quote a drive line but are read by something else (Ansible vars, Terraform). */
const NOT_PROXMOX_NAME = /\.(?:ya?ml|json|tf|md|txt|xml|sh|py)$/i;

/** A Proxmox VE VM config: by its place, or by a drive line beside another VM key. */
function isProxmoxVm(fileName: string, base: string, head: string): boolean {
  if (PROXMOX_PATH.test(fileName)) return true;
  return !NOT_PROXMOX_NAME.test(base) && PROXMOX_DRIVE_LINE.test(head) && PROXMOX_VM_KEY.test(head);
}

const YAML_NAME = /\.ya?ml$/i;

/**
 * Which rules a file gets, from its name and content; undefined = none of ours.
 * Domain XML is recognised by content (root <domain>, or a <disk> snippet); Nova config by
 * name, folder, or a [libvirt] section holding Nova options; a shell script by name or #! line
 * when it runs qemu-system-*, qemu-kvm, kvm or qemu-img; a systemd unit or drop-in by name when
 * an Exec*= line does; a Proxmox VE VM config by its path (qemu-server/<vmid>.conf) or by a
 * drive line (`scsi0: local-lvm:vm-100-disk-0,…`) beside another VM key; a KubeVirt manifest by
 * a YAML name and a `kind: VirtualMachine…` line in a text that names kubevirt.io; a Makefile or a
 * Dockerfile by name (or the editor's language id) when it runs one of the programs; a Packer
 * template by name, or a legacy JSON one by its builders, when it has a qemu source or builder;
 * Python code by name or #! line when a string literal names one of the programs; Ansible YAML
 * when a command or shell task may run one. Other YAML costs two cheap text searches.
 */
export function detectKind(fileName: string, text: string, languageId?: string): FileKind | undefined {
  const base = path.basename(fileName).replace(TEMPLATE_EXT, '');
  const head = text.slice(0, 64 * 1024);
  // YAML is done here: a KubeVirt manifest, an Ansible task list, or nothing (two text searches).
  if (YAML_NAME.test(base) || languageId === 'yaml' || languageId === 'ansible') {
    if (isKubevirtText(text)) return 'kubevirt-yaml';
    return ansibleMayRun(text) ? 'ansible' : undefined;
  }
  if (/\.xml$/i.test(base) || /^\s*</.test(head.replace(/^\uFEFF/, ''))) {
    const root = rootElementName(head);
    if (root === 'domain' || root === 'disk') return 'domain-xml';
    if (/\.xml$/i.test(base)) return undefined;
  }
  if (NOVA_NAME.test(base)) return 'nova-conf';
  if (isShellScript(base, head) && INVOCATION_HINT.test(text)) return 'shell-script';
  if (isSystemdUnit(base, fileName) && EXEC_LINE.test(text) && INVOCATION_HINT.test(text)) return 'systemd-unit';
  if ((MAKEFILE_NAME.test(base) || languageId === 'makefile') && makefileMayRun(text)) return 'makefile';
  if ((DOCKERFILE_NAME.test(base) || languageId === 'dockerfile') && INVOCATION_HINT.test(text)) return 'dockerfile';
  if (isPackerTemplate(base, text, languageId)) return 'packer';
  if ((PYTHON_NAME.test(base) || PYTHON_SHEBANG.test(head) || languageId === 'python') && PYTHON_ARGS_HINT.test(text)) return 'python';
  if (isProxmoxVm(fileName, base, head)) return 'proxmox-vm';
  const dir = path.basename(path.dirname(fileName));
  // kolla-ansible's external Ceph guide puts ceph.conf in /etc/kolla/config/nova/: librados reads it, not oslo.config.
  if (/\.conf(\.sample)?$/i.test(base) && !/^ceph\b/i.test(base) && (dir === 'nova.conf.d' || dir === 'nova') && !notOsloConfig(text)) return 'nova-conf';
  if ((novaBlocks(text)?.length ?? 0) > 0) return 'nova-conf';
  if (hasNovaLibvirtSection(text)) return 'nova-conf';
  return undefined;
}

export interface LintRequest extends LintOptions {
  /** Used for the template check and kind detection; need not exist on disk. */
  fileName: string;
  /** Skip detection. */
  kind?: FileKind;
}

/** Template lines anywhere in a Nova file make it a template, whatever its name (kolla's overrides are Jinja named .conf). */
const TEMPLATE_LINE = /^[ \t]*(\{%|\{#|\{\{|<%)/m;

function lintNova(text: string, req: LintRequest): Finding[] {
  const opts = { hadBom: req.hadBom ?? false, template: isTemplateName(req.fileName) || TEMPLATE_LINE.test(text) };
  const blocks = novaBlocks(text);
  const reported = suppressionFilter(text, 'nova-conf');
  if (!blocks) return lintNovaConf(text, opts, reported);
  // A DevStack local.conf: each Nova block on its own, at its place in the file.
  return blocks.flatMap((b) =>
    lintNovaConf(text.slice(b.bodyStart, b.bodyEnd), { ...opts, hadBom: false }, reported && ((rule, at) => reported(rule, at + b.bodyStart))).map((f) => shiftFinding(f, b.bodyStart)),
  );
}

/**
 * Whether fix-all applies a finding's preferred fix: only at warning or above, where the
 * Problems panel and the CLI's default output show it. An info or hint finding is advice; its
 * fixes stay in the lightbulb, none marked preferred (so no fix-all or auto fix applies it).
 */
function fixedByFixAll(severity: Severity): boolean {
  return atLeast(severity, 'warning');
}

/** The fixes as the user sees them at this severity: none is preferred below warning. */
function atSeverity(fixes: Fix[], severity: Severity): Fix[] {
  if (fixedByFixAll(severity) || !fixes.some((x) => x.preferred)) return fixes;
  return fixes.map(({ preferred: _, ...rest }) => rest);
}

/**
 * Drops a finding when another finding about the same subject (one disk) comes from a rule that
 * supersedes its rule. Applied after severity settings and suppression comments: a rule that is
 * off or suppressed hides nothing, so turning the winner off shows the next finding.
 */
export function withPrecedence(findings: Finding[]): Finding[] {
  const rulesOf = new Map<number, Set<string>>();
  for (const f of findings) {
    if (f.subject === undefined) continue;
    let set = rulesOf.get(f.subject);
    if (!set) rulesOf.set(f.subject, (set = new Set()));
    set.add(f.rule);
  }
  return findings.filter((f) => {
    const present = f.subject === undefined ? undefined : rulesOf.get(f.subject);
    if (!present) return true;
    for (const other of present) if (ruleInfo(other)?.supersedes?.includes(f.rule)) return false;
    return true;
  });
}

/**
 * Lints one text. Findings are sorted by position; suppressed and 'off' rules are dropped, and
 * the severity settings decide which fix is preferred (see fixedByFixAll).
 */
export function lint(text: string, req: LintRequest): Finding[] {
  const kind = req.kind ?? detectKind(req.fileName, text);
  if (!kind) return [];
  const raw =
    kind === 'domain-xml'
      ? lintDomainXml(text, { template: isTemplateName(req.fileName) })
      : kind === 'shell-script'
        ? lintShellScript(text)
        : kind === 'systemd-unit'
          ? lintSystemdUnit(text)
          : kind === 'proxmox-vm'
            ? lintProxmoxConf(text, req.storageCfg)
            : kind === 'kubevirt-yaml'
              ? lintKubevirt(text)
              : kind === 'makefile'
              ? lintMakefile(text)
              : kind === 'dockerfile'
                ? lintDockerfile(text)
                : kind === 'packer'
                  ? lintPackerTemplate(text)
                  : kind === 'python'
                    ? lintPythonArgs(text)
                    : kind === 'ansible'
                      ? lintAnsible(text)
                      : lintNova(text, req);
  const out: Finding[] = [];
  for (const f of applySuppressions(text, kind, raw)) {
    const setting = req.severities?.[f.rule] ?? ruleInfo(f.rule)?.severity ?? f.severity;
    if (setting === 'off') continue;
    out.push({ ...f, severity: setting, fixes: atSeverity(f.fixes, setting) });
  }
  return withPrecedence(out).sort((a, b) => a.start - b.start || a.end - b.end || a.rule.localeCompare(b.rule));
}

/** The preferred fix of a finding, if it has one. */
export function preferredFix(f: Finding): Fix | undefined {
  return f.fixes.find((x) => x.preferred);
}

/** The preferred fixes that "fix all" applies in one pass, one edit group per fix, none overlapping. */
export function fixAllGroups(findings: readonly Finding[]): TextEdit[][] {
  return nonOverlapping(findings.map(preferredFix).filter((f): f is Fix => !!f).map((f) => f.edits));
}

export interface FixAllResult {
  /** The text with every fix applied. */
  text: string;
  /** Fixes applied (one fix may be several edits, e.g. a move). */
  fixed: number;
  /**
   * The findings the user was shown with a fix to apply (at warning or above) when fix-all
   * started. `fixed` differs where fixes brought up findings of their own (ten lines moved into
   * [libvirt] leave nine overridden ones to remove) or one fix settled two findings.
   */
  shown: number;
  /**
   * Edits on the original text that turn it into `text`, sorted, none touching another (so their
   * order never matters): what the editor applies as one undo step.
   */
  edits: TextEdit[];
}

/**
 * The one fix-all loop, for the CLI's --fix and the editor's fix-all and fix-on-save: applies
 * preferred fixes, re-linting between passes so that fixes which overlapped in one pass, or that
 * an earlier fix made possible, still land, until none is left (a fixed point: running it again
 * changes nothing). `maxPasses` only guards against two rules undoing each other.
 */
export function fixAll(text: string, req: LintRequest, maxPasses = 10): FixAllResult {
  let current = text;
  let fixed = 0;
  let shown = 0;
  let edits: TextEdit[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const findings = lint(current, req);
    if (pass === 0) shown = findings.filter((f) => preferredFix(f)).length;
    const groups = fixAllGroups(findings);
    if (groups.length === 0) break;
    const next = applyEdits(current, groups.flat());
    if (next === current) break;
    edits = composeEdits(text, edits, groups.flat());
    fixed += groups.length;
    current = next;
  }
  return { text: current, fixed, shown, edits };
}
