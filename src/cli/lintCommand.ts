// `qemu-disk-tools lint`: files in, findings out, optionally fixed in place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectKind, fixAll, lint, preferredFix, type LintRequest } from '../core/lint/engine';
import { EXIT, UsageError, cancelledExit, type CliIO } from './io';
import { parseCommandArgs, oneOf } from './args';
import { expandPaths } from './files';
import { decodeBytes, encodeText, NotTextError, type Decoded } from './decode';
import { findConfig, loadConfig, parseRuleOption, type Severities } from '../core/lint/ruleConfig';
import { writeFileAtomic } from './atomicWrite';
import { atLevel, displayPath, formatText, toJson, toSarif, type FileReport, type LintReport } from './report';
import { SEVERITIES } from '../core/types';
import { LINT_HELP } from './help';
import { findStorageCfg } from '../core/lint/proxmox/storage';
import { lintConnections, type LiveResult } from './liveLint';

const FORMATS = ['text', 'json', 'sarif'] as const;
/** Larger files are not configuration: do not read a disk image into memory by mistake. */
const MAX_BYTES = 64 * 1024 * 1024;

export interface LintSettings {
  fix: boolean;
  severities: Severities;
}

function readProblem(e: unknown): string {
  if (e instanceof NotTextError) return `not linted: ${e.message}.`;
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'it does not exist (any more)',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory',
  };
  return `cannot read the file: ${why[err.code ?? ''] ?? err.message}; it was not checked.`;
}

/** Whether the preferred fixes of a text that starts with a BOM include removing it. */
function removesBom(text: string, req: LintRequest): boolean {
  return lint(text, req).some((f) => preferredFix(f)?.edits.some((e) => e.start === 0 && e.end === 1 && e.newText === ''));
}

/** Lints (and with --fix, fixes) one file. Returns its report, and/or a problem to report. */
export function lintFile(file: string, settings: LintSettings): { report?: FileReport; problem?: string } {
  let decoded: Decoded;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_BYTES) return { problem: `not read: ${size} bytes is far larger than any configuration file (limit ${MAX_BYTES / 1048576} MiB); is it a disk image?` };
    decoded = decodeBytes(fs.readFileSync(file));
  } catch (e) {
    return { problem: readProblem(e) };
  }
  const kind = detectKind(file, decoded.text);
  if (!kind) return {};
  // A Proxmox VM config: the cluster's storage.cfg names each storage's type (see proxmox/storage.ts).
  const storageCfg = kind === 'proxmox-vm' ? findStorageCfg(file, (p) => fs.readFileSync(p, 'utf8')) : undefined;
  const req = { fileName: file, kind, severities: settings.severities, hadBom: decoded.hadBom, storageCfg };
  try {
    let findings = lint(decoded.text, req);
    let fixed = 0;
    if (settings.fix) {
      // oslo.config refuses a nova.conf that starts with a BOM. A stripped BOM is not in the text,
      // so no edit can remove it: drop it on writing when the rule (with the BOM put back in the
      // text) says to, and fix the rest as the file reads without it.
      const dropBom = kind === 'nova-conf' && decoded.hadBom && decoded.encoding === 'utf-8' && removesBom('\uFEFF' + decoded.text, { ...req, hadBom: false });
      const fixReq = dropBom ? { ...req, hadBom: false } : req;
      const result = fixAll(decoded.text, fixReq);
      if (result.text !== decoded.text || dropBom) {
        if (decoded.lossy) {
          const report = { file, kind, findings, text: decoded.text, fixed };
          return { report, problem: 'not fixed: the file is not valid UTF-8, and rewriting it would change the bytes that are not. Convert it to UTF-8 first.' };
        }
        const bytes = encodeText(result.text, dropBom ? { encoding: 'utf-8', hadBom: false } : decoded);
        writeFileAtomic(file, bytes);
        decoded = decodeBytes(bytes);
        findings = lint(decoded.text, { ...req, hadBom: decoded.hadBom });
        fixed = result.fixed + (dropBom ? 1 : 0);
      }
    }
    return { report: { file, kind, findings, text: decoded.text, fixed } };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code) return { problem: `could not be fixed: ${err.code} (${err.message}); the file was left as it was.` };
    return { problem: `could not be checked: ${err.message}. This is a bug in qemu-disk-tools; please report it with the file.` };
  }
}

export async function runLint(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('lint', argv, {
    format: { type: 'string', short: 'f' },
    fix: { type: 'boolean' },
    rule: { type: 'string', multiple: true },
    config: { type: 'string', short: 'c' },
    'no-config': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    level: { type: 'string' },
    connect: { type: 'string', multiple: true },
  });
  if (values.help) {
    io.stdout.write(LINT_HELP);
    return EXIT.ok;
  }
  const format = oneOf('--format', values.format as string | undefined, FORMATS) ?? 'text';
  // Hints are advice the text output leaves out unless asked; JSON and SARIF (as `note`) keep them.
  const level = oneOf('--level', values.level as string | undefined, SEVERITIES) ?? (format === 'text' ? 'info' : 'hint');
  const connect = (values.connect as string[] | undefined) ?? [];
  if (positionals.length === 0 && connect.length === 0) {
    throw new UsageError("lint: name at least one file, directory or glob, e.g. 'qemu-disk-tools lint domains/', or a libvirt connection with --connect qemu:///system.");
  }
  if (values.fix && connect.length > 0) {
    throw new UsageError(
      'lint: --fix does not change the domains of a libvirt host (--connect is read-only); each finding there shows the virt-xml command that would fix it. Run those commands yourself, or drop --connect to fix files.',
    );
  }
  if (connect.some((u) => u.trim() === '')) throw new UsageError("lint: --connect needs a libvirt URI, e.g. --connect qemu:///system or --connect qemu+ssh://root@host/system.");
  if (values.config && values['no-config']) throw new UsageError('lint: --config and --no-config contradict each other.');

  const given = values.config as string | undefined;
  const configFile = values['no-config'] ? undefined : given ? path.resolve(io.cwd, given) : findConfig(io.cwd);
  const severities: Severities = configFile ? loadConfig(configFile) : {};
  for (const r of (values.rule as string[] | undefined) ?? []) {
    const [id, sev] = parseRuleOption(r);
    severities[id] = sev;
  }

  const expanded = expandPaths(positionals, io.cwd);
  const report: LintReport = { cwd: io.cwd, files: [], problems: expanded.problems.map((p) => ({ file: p.arg, message: p.message })) };
  for (const file of expanded.files) {
    const r = lintFile(file, { fix: values.fix === true, severities });
    if (r.report) report.files.push(r.report);
    if (r.problem) report.problems.push({ file, message: r.problem });
    if (!r.report && !r.problem && expanded.explicit.has(file)) {
      io.stderr.write(`${displayPath(file, io.cwd)}: not a libvirt domain XML, Nova config or Proxmox VE VM config file; nothing to check.\n`);
    }
  }
  if (connect.length > 0) {
    let live: LiveResult;
    try {
      live = await lintConnections(connect, severities, undefined, io.signal);
    } catch (e) {
      // SIGINT/SIGTERM: virsh is stopped; a report of the hosts read so far would look complete.
      if (!io.signal?.aborted) throw e;
      io.stderr.write('Cancelled: virsh was stopped before every domain was read; no report was written.\n');
      return cancelledExit(io.signal);
    }
    report.files.push(...live.files);
    report.problems.push(...live.problems);
  }
  // A live host's message starts with its URI already.
  for (const p of report.problems) io.stderr.write(p.live ? `${p.message}\n` : `${displayPath(p.file, io.cwd)}: ${p.message}\n`);

  const shown = atLevel(report, level);
  const out = format === 'text' ? formatText(shown) : JSON.stringify(format === 'json' ? toJson(shown) : toSarif(shown), null, 2) + '\n';
  if (values.output) {
    try {
      fs.writeFileSync(path.resolve(io.cwd, values.output as string), out);
    } catch (e) {
      io.stderr.write(`${values.output}: cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).\n`);
      return EXIT.usage;
    }
  } else {
    io.stdout.write(out);
  }

  if (report.problems.length > 0) return EXIT.usage;
  return report.files.some((f) => f.findings.some((x) => x.severity === 'error')) ? EXIT.findings : EXIT.ok;
}
