// Where the shared corpus of real-world files is: $QDT_CORPUS, else shared/ beside the project
// (CI puts it beside the clone), else /work/shared as laid out for developers. Read in place,
// never copied. Undefined when absent: tests then skip with CORPUS_MISSING.
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');

export const CORPUS: string | undefined = [process.env.QDT_CORPUS, path.resolve(repoRoot, '../shared/corpus'), '/work/shared/corpus'].find(
  (d): d is string => !!d && fs.existsSync(d),
);

export const CORPUS_MISSING = 'the shared corpus is not present (looked at $QDT_CORPUS, ../shared/corpus beside the project, /work/shared/corpus)';
