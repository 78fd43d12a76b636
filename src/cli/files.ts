// Command-line paths and globs -> the files to lint. Directories recurse (node_modules and .git
// skipped, symlinked directories not followed so a link loop cannot hang us); globs are matched
// with Node's path.matchesGlob over a walk from the glob's fixed leading directories.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isTemplateName } from '../core/lint/engine';

/** Folders never walked (the editor's workspace lint skips them too). */
export const SKIP_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);
const GLOB_CHARS = /[*?[\]{}]/;

/** Names a directory walk picks up; detectKind still decides per file. */
const CANDIDATE = /\.(xml|conf|ini|cfg|sh|bash|service)(\.sample)?$|\.(mk|dockerfile|containerfile|pkr\.hcl|pkr\.json|py|ya?ml)$|^(GNUmakefile|[Mm]akefile|Dockerfile|Containerfile)$/i;

/**
 * The names isCandidateName accepts (templates of them included), as one glob for the editor's
 * findFiles and file watcher; a superset, each hit still passes isCandidateName. Kept beside
 * CANDIDATE so the two change together (test/unit/files.test.ts checks that it misses none).
 */
export const CANDIDATE_GLOB =
  '**/{*.xml,*.conf,*.ini,*.cfg,*.sample,*.yaml,*.yml,*.j2,*.jinja,*.jinja2,*.erb,*.tmpl,*.tpl,*.helmtpl,' +
  '*.sh,*.bash,*.service,*.mk,*.dockerfile,*.containerfile,*.pkr.hcl,*.pkr.json,*.py,Makefile,makefile,GNUmakefile,Dockerfile,Containerfile}';

export function isCandidateName(name: string): boolean {
  return CANDIDATE.test(isTemplateName(name) ? name.replace(/\.[^.]+$/, '') : name);
}

export interface Expanded {
  /** Absolute paths, sorted, without duplicates. */
  files: string[];
  /** Files named one by one: when one is of no kind we say so instead of skipping it silently. */
  explicit: Set<string>;
  /** Arguments that named nothing, with the reason. */
  problems: { arg: string; message: string }[];
}

function walk(dir: string, onFile: (file: string) => void): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable directory below a root we could read: nothing to lint there
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(full, onFile);
    } else if (e.isFile()) {
      onFile(full);
    } else if (e.isSymbolicLink()) {
      try {
        if (fs.statSync(full).isFile()) onFile(full);
      } catch {
        // dangling link
      }
    }
  }
}

/** path.matchesGlob is marked experimental in Node 20 and warns once; the warning is noise for a linter. */
function matchesGlob(file: string, pattern: string): boolean {
  const emit = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    const text = typeof w === 'string' ? w : w.message;
    if (/glob/i.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    return path.matchesGlob(file, pattern);
  } finally {
    process.emitWarning = emit;
  }
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** The leading segments of a glob that hold no glob characters: where the walk starts. */
function globBase(pattern: string): string {
  const segs = toPosix(pattern).split('/');
  const fixed: string[] = [];
  for (const s of segs.slice(0, -1)) {
    if (GLOB_CHARS.test(s)) break;
    fixed.push(s);
  }
  if (fixed.length === 1 && fixed[0] === '') return '/';
  return fixed.join('/') || '.';
}

function expandGlob(arg: string, cwd: string, add: (f: string) => void): number {
  const absolute = path.isAbsolute(arg);
  const pattern = toPosix(absolute ? arg : path.normalize(arg));
  const base = path.resolve(cwd, globBase(pattern));
  let n = 0;
  walk(base, (file) => {
    const candidate = absolute ? toPosix(file) : toPosix(path.relative(cwd, file));
    if (matchesGlob(candidate, pattern)) {
      add(file);
      n++;
    }
  });
  return n;
}

export function expandPaths(args: readonly string[], cwd: string): Expanded {
  const files = new Set<string>();
  const explicit = new Set<string>();
  const problems: Expanded['problems'] = [];
  for (const arg of args) {
    const full = path.resolve(cwd, arg);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(full);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) {
      walk(full, (f) => {
        if (isCandidateName(path.basename(f))) files.add(f);
      });
    } else if (stat?.isFile()) {
      files.add(full);
      explicit.add(full);
    } else if (stat) {
      // Reading a FIFO or a device could block forever or never end.
      problems.push({ arg, message: 'not a regular file (a device, FIFO or socket), so it was not read' });
    } else if (GLOB_CHARS.test(arg)) {
      const n = expandGlob(arg, cwd, (f) => files.add(f));
      if (n === 0) problems.push({ arg, message: 'no file matches this pattern' });
    } else {
      problems.push({ arg, message: 'no such file or directory, so it was not checked' });
    }
  }
  return { files: [...files].sort(), explicit, problems };
}
