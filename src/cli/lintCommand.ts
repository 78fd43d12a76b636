// `qemu-disk-tools lint`: files in, findings out, optionally fixed in place.
import * as fs from 'node:fs';
import type { Finding, FileKind } from '../core/types';
import { detectKind, fixAll, lint } from '../core/lint';
import { EXIT, UsageError, type CliIO } from './io';
import { parseCommandArgs, oneOf } from './args';
import { expandPaths } from './files';
import { decodeBytes, encodeText, NotTextError } from './decode';
import { findConfig, loadConfig, parseRuleOption, type Severities } from './config';
import { writeFileAtomic } from './atomicWrite';
import { displayPath, formatText, toJson, toSarif, type FileReport, type LintReport } from './report';
import { LINT_HELP } from './help';

const FORMATS = ['text', 'json', 'sarif'] as const;

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

/** Lints (and with --fix, fixes) one file. Returns its report, or a problem to report instead. */
export function lintFile(file: string, settings: LintSettings): { report?: FileReport; problem?: string; kind?: FileKind } {
  let decoded;
  try {
    decoded = decodeBytes(fs.readFileSync(file));
  } catch (e) {
    return { problem: readProblem(e) };
  }
  const kind = detectKind(file, decoded.text);
  if (!kind) return {};
  const req = { fileName: file, kind, severities: settings.severities, hadBom: decoded.hadBom };
  let text = decoded.text;
  let findings: Finding[];
  let fixed = 0;
  try {
    findings = lint(text, req);
    if (settings.fix && findings.some((f) => f.fixes.some((x) => x.preferred))) {
      if (decoded.lossy) {
        return { report: { file, kind, findings, text, fixed }, problem: 'not fixed: the file is not valid UTF-8, and rewriting it would change the bytes that are not. Convert it to UTF-8 first.' };
      }
      const result = fixAll(text, req);
      if (result.text !== text) {
        writeFileAtomic(file, encodeText(result.text, decoded));
        text = result.text;
        fixed = result.fixed;
        findings = lint(text, req);
      }
    }
  } catch (e) {
    return { problem: `could not be checked: ${(e as Error).message}. This is a bug in qemu-disk-tools; please report it with the file.` };
  }
  return { report: { file, kind, findings, text, fixed }, kind };
}

export async function runLint(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('lint', argv, {
    format: { type: 'string', short: 'f' },
    fix: { type: 'boolean' },
    rule: { type: 'string', multiple: true },
    config: { type: 'string', short: 'c' },
    'no-config': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout.write(LINT_HELP);
    return EXIT.ok;
  }
  const format = oneOf('--format', values.format as string | undefined, FORMATS) ?? 'text';
  if (positionals.length === 0) throw new UsageError("lint: name at least one file, directory or glob, e.g. 'qemu-disk-tools lint domains/'.");
  if (values.config && values['no-config']) throw new UsageError('lint: --config and --no-config contradict each other.');

  const configFile = values['no-config'] ? undefined : ((values.config as string | undefined) ?? findConfig(io.cwd));
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
      io.stderr.write(`${displayPath(file, io.cwd)}: not a libvirt domain XML or Nova config file; nothing to check.\n`);
    }
  }
  for (const p of report.problems) io.stderr.write(`${displayPath(p.file, io.cwd)}: ${p.message}\n`);

  const out = format === 'text' ? formatText(report) : JSON.stringify(format === 'json' ? toJson(report) : toSarif(report), null, 2) + '\n';
  if (values.output) {
    try {
      fs.writeFileSync(values.output as string, out);
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
