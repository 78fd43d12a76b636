// Lint results -> text, JSON and SARIF. Positions come from LineIndex over the linted text, so
// lines and UTF-16 columns match what VS Code shows for the same file.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { atLeast, SEVERITIES, type FileKind, type Finding, type Fix, type Severity, type TextEdit } from '../core/types';
import { LineIndex } from '../core/text';
import { DOCS_URL_BASE, RULES, ruleDocUrl } from '../core/lint/rules';
import { TOOL_NAME, toolVersion } from './version';
import { domainLocation, virtXmlCommand } from '../core/libvirt/virtXml';

/** A domain read from a libvirt connection (lint --connect) instead of a file. */
export interface LiveSource {
  uri: string;
  domain: string;
  /** False for a transient domain: nothing defined to fix, virt-xml would define it. */
  persistent: boolean;
}

export interface FileReport {
  /** Absolute path (for a live domain: its location, URI/domain). */
  file: string;
  live?: LiveSource;
  kind?: FileKind;
  /** Remaining findings (after --fix, what is left). */
  findings: Finding[];
  /** The text the findings' offsets point into. */
  text: string;
  /** Fixes written by --fix. */
  fixed: number;
}

export interface FileProblem {
  /** The path, or for a live host the connection URI. */
  file: string;
  message: string;
  /** The problem is about a libvirt connection (or one domain of it), not a file. */
  live?: { uri: string; domain?: string };
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

/** Where a report's findings are, as the user reads it: a path, or URI/domain for a live domain. */
export function shownName(f: { file: string; live?: { uri: string; domain?: string } }, cwd: string): string {
  if (!f.live) return displayPath(f.file, cwd);
  return f.live.domain === undefined ? f.live.uri : domainLocation(f.live.uri, f.live.domain);
}

/** The fix a live domain's finding shows a command for: the preferred one, else the first. */
const commandFix = (x: Finding): Fix | undefined => x.fixes.find((y) => y.preferred) ?? x.fixes[0];

/** The virt-xml command that applies a fix to a live domain, when it has one. */
export function liveCommand(f: FileReport, fix: Fix): string | undefined {
  return f.live?.persistent ? virtXmlCommand(f.live.uri, f.live.domain, f.text, fix) : undefined;
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
    const name = shownName(f, report.cwd);
    for (const x of f.findings) {
      const p = index.positionAt(x.start);
      lines.push(`${name}:${p.line + 1}:${p.character + 1} ${x.severity} ${x.rule} ${oneLine(x.message)}`);
      if (f.live) lines.push(...liveFixLines(f, x));
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
  const many = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const domains = report.files.filter((f) => f.live).length;
  const files = report.files.length - domains;
  const linted = domains === 0 ? many(files, 'file') : files === 0 ? many(domains, 'domain') : `${many(files, 'file')} and ${many(domains, 'domain')}`;
  const unreadLive = report.problems.filter((p) => p.live);
  const unreadHosts = unreadLive.filter((p) => p.live?.domain === undefined).length;
  const unreadParts = [
    [report.problems.length - unreadLive.length, 'path'],
    [unreadHosts, 'connection'],
    [unreadLive.length - unreadHosts, 'domain'],
  ] as const;
  const unread = unreadParts.filter(([k]) => k > 0).map(([k, what]) => many(k, what)).join(', ');
  const summary =
    `${total === 0 ? 'No problems' : `${total} problem${total === 1 ? '' : 's'} (${counted(n).join(', ')})`} in ${linted}` +
    (fixed > 0 ? `; ${fixed} fix${fixed === 1 ? '' : 'es'} written` : '') +
    (hidden.length > 0 ? `; ${hidden.join(', ')} not shown (--level ${lowest} shows them)` : '') +
    (unread ? `; ${unread} not checked (see the errors above)` : '') +
    '.';
  return (lines.length ? lines.join('\n') + '\n\n' : '') + summary + '\n';
}

/** Under a live domain's finding: the command that would fix it (the tool itself changes nothing). */
function liveFixLines(f: FileReport, x: Finding): string[] {
  const fix = commandFix(x);
  if (!fix) return [];
  if (!f.live?.persistent) return [`    (not fixed by a command: '${f.live?.domain}' is transient; change the XML it is started from)`];
  const command = liveCommand(f, fix);
  return command ? [`    ${fix.title}: ${command}`] : [`    ${fix.title}: virsh edit ${f.live.domain} (no virt-xml equivalent)`];
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
  /** command: for a live domain, the virt-xml command that applies the fix there. */
  fixes: { title: string; preferred: boolean; edits: { range: JsonRange; newText: string }[]; command?: string }[];
  related: { range: JsonRange; message: string }[];
}

export interface JsonReport {
  tool: { name: string; version: string };
  /** connection, domain, persistent: for a domain read with --connect. */
  files: { file: string; kind: FileKind | null; findings: number; fixed: number; connection?: string; domain?: string; persistent?: boolean }[];
  findings: JsonFinding[];
  errors: FileProblem[];
  summary: Record<Severity, number>;
}

function jsonRange(index: LineIndex, start: number, end: number): JsonRange {
  const pos = (offset: number): JsonPosition => ({ ...index.positionAt(offset), offset });
  return { start: pos(start), end: pos(end) };
}

export function jsonFindings(file: string, text: string, findings: readonly Finding[], command?: (fix: Fix) => string | undefined): JsonFinding[] {
  const index = new LineIndex(text);
  const withCommand = (fx: Fix) => {
    const c = command?.(fx);
    return c ? { command: c } : {};
  };
  const edit = (e: TextEdit) => ({ range: jsonRange(index, e.start, e.end), newText: e.newText });
  return findings.map((x) => ({
    file,
    rule: x.rule,
    severity: x.severity,
    message: x.message,
    docUrl: ruleDocUrl(x.rule),
    range: jsonRange(index, x.start, x.end),
    fixes: x.fixes.map((fx) => ({ title: fx.title, preferred: fx.preferred === true, edits: fx.edits.map(edit), ...withCommand(fx) })),
    related: (x.related ?? []).map((r) => ({ range: jsonRange(index, r.start, r.end), message: r.message })),
  }));
}

export function toJson(report: LintReport): JsonReport {
  const show = (f: FileReport | FileProblem) => shownName(f, report.cwd);
  const live = (f: FileReport) => (f.live ? { connection: f.live.uri, domain: f.live.domain, persistent: f.live.persistent } : {});
  return {
    tool: { name: TOOL_NAME, version: toolVersion() },
    files: report.files.map((f) => ({ file: show(f), kind: f.kind ?? null, findings: f.findings.length, fixed: f.fixed, ...live(f) })),
    findings: report.files.flatMap((f) => jsonFindings(show(f), f.text, f.findings, f.live && ((fx) => liveCommand(f, fx)))),
    errors: report.problems.map((p) => ({ file: show(p), message: p.message })),
    summary: countBySeverity(report),
  };
}

// ---- SARIF 2.1.0 --------------------------------------------------------------------------

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

/** The project's home page: the documentation base without its branch path. */
export const INFORMATION_URI = DOCS_URL_BASE.replace(/\/blob\/[^/]+\/$/, '');

/**
 * A file: relative to %SRCROOT% when inside the working directory, else a file: URI. A live
 * domain: its connection URI with the domain as the last path segment (domainLocation), which
 * code scanning cannot map to a file in the repository, so the description names the domain.
 */
function artifactLocation(f: { file: string; live?: { uri: string; domain?: string } }, cwd: string): { uri: string; uriBaseId?: string; description?: { text: string } } {
  if (f.live) {
    const { uri, domain } = f.live;
    return domain === undefined
      ? { uri, description: { text: `libvirt connection ${uri}` } }
      : { uri: domainLocation(uri, domain, true), description: { text: `libvirt domain '${domain}' on ${uri}` } };
  }
  const file = f.file;
  const rel = path.relative(cwd, file);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(file).href };
}

/** A live domain's result: the virt-xml command of its preferred fix, in the result's property bag. */
function sarifCommand(f: FileReport, x: Finding): { properties?: { command: string } } {
  const fix = f.live && commandFix(x);
  const command = fix && liveCommand(f, fix);
  return command ? { properties: { command } } : {};
}

export function toSarif(report: LintReport): object {
  const ruleIndex = new Map<string, number>(RULES.map((r, i) => [r.id, i]));
  const results = report.files.flatMap((f) => {
    const index = new LineIndex(f.text);
    const loc = artifactLocation(f, report.cwd);
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
        ...sarifCommand(f, x),
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
              locations: [{ physicalLocation: { artifactLocation: artifactLocation(p, report.cwd) } }],
            })),
          },
        ],
        results,
      },
    ],
  };
}
