// Lint results -> text, JSON and SARIF. Positions come from LineIndex over the linted text, so
// lines and UTF-16 columns match what VS Code shows for the same file.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { atLeast, SEVERITIES, type FileKind, type Finding, type Severity, type TextEdit } from '../core/types';
import { LineIndex } from '../core/text';
import { DOCS_URL_BASE, RULES, ruleDocUrl } from '../core/lint/rules';
import { TOOL_NAME, toolVersion } from './version';

export interface FileReport {
  /** Absolute path. */
  file: string;
  kind?: FileKind;
  /** Remaining findings (after --fix, what is left). */
  findings: Finding[];
  /** The text the findings' offsets point into. */
  text: string;
  /** Fixes written by --fix. */
  fixed: number;
}

export interface FileProblem {
  file: string;
  message: string;
}

export interface LintReport {
  cwd: string;
  files: FileReport[];
  problems: FileProblem[];
  /** Findings left out by --level, per severity. */
  hidden?: Record<Severity, number>;
}

/** The report with only the findings at `level` or above; what was left out is counted in `hidden`. */
export function atLevel(report: LintReport, level: Severity): LintReport {
  const hidden: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  const files = report.files.map((f) => {
    const findings = f.findings.filter((x) => {
      if (atLeast(x.severity, level)) return true;
      hidden[x.severity]++;
      return false;
    });
    return findings.length === f.findings.length ? f : { ...f, findings };
  });
  return { ...report, files, hidden };
}

/** A path as the user should see it: relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function countBySeverity(report: LintReport): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of report.files) for (const x of f.findings) n[x.severity]++;
  return n;
}

const oneLine = (s: string) => (/[\r\n]/.test(s) ? s.replace(/\s*[\r\n]+\s*/g, ' ') : s);

// ---- text ---------------------------------------------------------------------------------

/** `file:line:col severity rule message`, 1-based, one finding a line (a problem matcher reads it). */
export function formatText(report: LintReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    const index = new LineIndex(f.text);
    const name = displayPath(f.file, report.cwd);
    for (const x of f.findings) {
      const p = index.positionAt(x.start);
      lines.push(`${name}:${p.line + 1}:${p.character + 1} ${x.severity} ${x.rule} ${oneLine(x.message)}`);
    }
  }
  const n = countBySeverity(report);
  const total = n.error + n.warning + n.info + n.hint;
  const fixed = report.files.reduce((s, f) => s + f.fixed, 0);
  const counted = (c: Record<Severity, number>) => SEVERITIES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}${c[s] === 1 || s === 'info' ? '' : 's'}`);
  const hidden = report.hidden ? counted(report.hidden) : [];
  const lowest = report.hidden && [...SEVERITIES].reverse().find((s) => report.hidden![s] > 0);
  // Nothing was read (every path named was missing or unreadable): the errors on stderr say it
  // all, and "No problems in 0 files" would read as a pass.
  if (report.files.length === 0 && report.problems.length > 0) return '';
  const unread = report.problems.length;
  const summary =
    `${total === 0 ? 'No problems' : `${total} problem${total === 1 ? '' : 's'} (${counted(n).join(', ')})`} in ${report.files.length} file${report.files.length === 1 ? '' : 's'}` +
    (fixed > 0 ? `; ${fixed} fix${fixed === 1 ? '' : 'es'} written` : '') +
    (hidden.length > 0 ? `; ${hidden.join(', ')} not shown (--level ${lowest} shows them)` : '') +
    (unread > 0 ? `; ${unread} path${unread === 1 ? '' : 's'} not checked (see the errors above)` : '') +
    '.';
  return (lines.length ? lines.join('\n') + '\n\n' : '') + summary + '\n';
}

// ---- JSON ---------------------------------------------------------------------------------

export interface JsonPosition {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 column, as VS Code counts. */
  character: number;
  /** UTF-16 offset into the file's text (after a byte-order mark, if any). */
  offset: number;
}

export interface JsonRange {
  start: JsonPosition;
  end: JsonPosition;
}

export interface JsonFinding {
  file: string;
  rule: string;
  severity: Severity;
  message: string;
  docUrl: string;
  range: JsonRange;
  fixes: { title: string; preferred: boolean; edits: { range: JsonRange; newText: string }[] }[];
  related: { range: JsonRange; message: string }[];
}

export interface JsonReport {
  tool: { name: string; version: string };
  files: { file: string; kind: FileKind | null; findings: number; fixed: number }[];
  findings: JsonFinding[];
  errors: FileProblem[];
  summary: Record<Severity, number>;
}

function jsonRange(index: LineIndex, start: number, end: number): JsonRange {
  const pos = (offset: number): JsonPosition => ({ ...index.positionAt(offset), offset });
  return { start: pos(start), end: pos(end) };
}

export function jsonFindings(file: string, text: string, findings: readonly Finding[]): JsonFinding[] {
  const index = new LineIndex(text);
  const edit = (e: TextEdit) => ({ range: jsonRange(index, e.start, e.end), newText: e.newText });
  return findings.map((x) => ({
    file,
    rule: x.rule,
    severity: x.severity,
    message: x.message,
    docUrl: ruleDocUrl(x.rule),
    range: jsonRange(index, x.start, x.end),
    fixes: x.fixes.map((fx) => ({ title: fx.title, preferred: fx.preferred === true, edits: fx.edits.map(edit) })),
    related: (x.related ?? []).map((r) => ({ range: jsonRange(index, r.start, r.end), message: r.message })),
  }));
}

export function toJson(report: LintReport): JsonReport {
  const show = (f: string) => displayPath(f, report.cwd);
  return {
    tool: { name: TOOL_NAME, version: toolVersion() },
    files: report.files.map((f) => ({ file: show(f.file), kind: f.kind ?? null, findings: f.findings.length, fixed: f.fixed })),
    findings: report.files.flatMap((f) => jsonFindings(show(f.file), f.text, f.findings)),
    errors: report.problems.map((p) => ({ file: show(p.file), message: p.message })),
    summary: countBySeverity(report),
  };
}

// ---- SARIF 2.1.0 --------------------------------------------------------------------------

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

/** The project's home page: the documentation base without its branch path. */
export const INFORMATION_URI = DOCS_URL_BASE.replace(/\/blob\/[^/]+\/$/, '');

function artifactLocation(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = path.relative(cwd, file);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(file).href };
}

export function toSarif(report: LintReport): object {
  const ruleIndex = new Map<string, number>(RULES.map((r, i) => [r.id, i]));
  const results = report.files.flatMap((f) => {
    const index = new LineIndex(f.text);
    const loc = artifactLocation(f.file, report.cwd);
    return f.findings.map((x) => {
      const s = index.positionAt(x.start);
      const e = index.positionAt(x.end);
      return {
        ruleId: x.rule,
        ...(ruleIndex.has(x.rule) ? { ruleIndex: ruleIndex.get(x.rule) } : {}),
        level: SARIF_LEVEL[x.severity],
        message: { text: oneLine(x.message) },
        locations: [
          {
            physicalLocation: {
              artifactLocation: loc,
              region: { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 },
            },
          },
        ],
      };
    });
  });
  const version = toolVersion();
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version,
            semanticVersion: version,
            informationUri: INFORMATION_URI,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              helpUri: ruleDocUrl(r.id),
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { fileKinds: r.kinds },
            })),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(report.cwd).href.replace(/\/?$/, '/') } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: report.problems.length === 0,
            toolExecutionNotifications: report.problems.map((p) => ({
              level: 'error',
              message: { text: p.message },
              locations: [{ physicalLocation: { artifactLocation: artifactLocation(p.file, report.cwd) } }],
            })),
          },
        ],
        results,
      },
    ],
  };
}
