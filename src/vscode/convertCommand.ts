// "Convert Disk Image…": pick a target format and options, name the target, run the core
// convert pipeline with a cancellable progress notification, log everything to the output
// channel. Several files selected in the explorer are converted one after another.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { convertImage, ConvertError, type ConvertOptions, type ConvertResult, type TargetFormat } from '../core/image/convert';
import { checkQemuImg } from '../core/image/qemuImg';
import { QemuImgError } from '../core/image/qemuImgErrors';
import { readSettings } from './settings';
import { CLOUD_TARGETS, CLOUD_TARGET_IDS, describeOutput, type CloudTarget } from '../core/image/cloudTargets';
import { formatBytes, formatDuration, formatRate } from './units';
import { errorMessage, showFailure, showRemedied, stderrOf } from './notify';
import { IMAGE_INFO_COMMAND } from './commandIds';

export const CONVERT_COMMAND = 'qemuDiskTools.convertImage';

/** Extensions the explorer menu offers conversion for (package.json repeats them in a when-clause). */
const IMAGE_EXTENSIONS = ['qcow2', 'qcow', 'img', 'raw', 'vmdk', 'vdi', 'vhd', 'vhdx', 'vpc', 'qed', 'iso'];

/**
 * Non-interactive form, for integration tests and scripts: no quick pick, input box or modal.
 *
 *   executeCommand('qemuDiskTools.convertImage', sourceUri, { target, targetFormat, options, overwrite })
 *   executeCommand('qemuDiskTools.convertImage', { source, target, targetFormat, options, overwrite })
 *
 * `target` (and `source`) are absolute paths or file Uris; `overwrite` defaults to false, so an
 * existing target is an error. The command returns the ConvertResult, or the error message.
 */
export interface ConvertArgs {
  source?: string | vscode.Uri;
  target: string | vscode.Uri;
  targetFormat: TargetFormat;
  sourceFormat?: string;
  options?: ConvertOptions;
  overwrite?: boolean;
  /** Write what this cloud accepts (targetFormat must be its format). */
  cloud?: CloudTarget;
  /** Convert a source that looks like text as raw (interactively, the user is asked). */
  allowText?: boolean;
}

/** A finished conversion, with the notification the user was shown. */
export type Converted = ConvertResult & { notification: string };

/** One conversion's outcome: the result, or the message the user was shown. */
export type ConvertOutcome = Converted | string;

interface FormatChoice {
  format: TargetFormat;
  ext: string;
  detail: string;
  presets: Preset[];
  /** A destination rather than a format (convert --for). */
  cloud?: CloudTarget;
}

interface Preset {
  label: string;
  detail: string;
  options: ConvertOptions;
}

/** A function, not a constant: vscode.l10n.t answers in the display language only once the extension runs. */
const formats = (): readonly FormatChoice[] => [
  {
    format: 'raw',
    ext: '.raw',
    detail: vscode.l10n.t('Plain disk bytes: fastest for the VM, any tool reads it; as large as the virtual disk unless the filesystem keeps holes.'),
    presets: [
      { label: vscode.l10n.t('Sparse (default)'), detail: vscode.l10n.t('Unwritten areas take no space where the filesystem supports holes.'), options: {} },
      { label: vscode.l10n.t('Preallocate (falloc)'), detail: vscode.l10n.t('Reserves the whole size now, quickly: no out-of-space surprise while the VM runs.'), options: { preallocation: 'falloc' } },
      { label: vscode.l10n.t('Preallocate fully (full)'), detail: vscode.l10n.t('Writes the whole size now: slow to create, steady to run.'), options: { preallocation: 'full' } },
    ],
  },
  {
    format: 'qcow2',
    ext: '.qcow2',
    detail: vscode.l10n.t('QEMU\'s own format: grows as the guest writes, snapshots, backing files, compression. For KVM, libvirt and OpenStack.'),
    presets: [
      { label: vscode.l10n.t('Thin (default)'), detail: vscode.l10n.t('Grows as the guest writes: the smallest file to start with.'), options: {} },
      { label: vscode.l10n.t('Compressed (zstd)'), detail: vscode.l10n.t('Smallest file, fast: for templates and uploads. Readers need QEMU 5.1 or later built with zstd; falls back to zlib (with a note) where this qemu-img lacks zstd.'), options: { compress: true } },
      { label: vscode.l10n.t('Compressed (zlib)'), detail: vscode.l10n.t('Smallest file, readable by any QEMU including versions older than 5.1, but several times slower to write than zstd.'), options: { compress: true, compressionType: 'zlib' } },
      { label: vscode.l10n.t('Preallocate metadata'), detail: vscode.l10n.t('Faster first writes; the file stays thin.'), options: { preallocation: 'metadata' } },
      { label: vscode.l10n.t('Preallocate fully (full)'), detail: vscode.l10n.t('Writes the whole size now: slow to create, no out-of-space surprise later.'), options: { preallocation: 'full' } },
    ],
  },
  {
    format: 'vmdk',
    ext: '.vmdk',
    detail: vscode.l10n.t('VMware (ESXi, vSphere, Workstation, Fusion).'),
    presets: [
      { label: vscode.l10n.t('monolithicSparse (default)'), detail: vscode.l10n.t('One growable file, for VMware Workstation or Fusion.'), options: {} },
      { label: vscode.l10n.t('streamOptimized'), detail: vscode.l10n.t('Compressed, for uploading to vSphere/ESXi or packing into an OVA.'), options: { subformat: 'streamOptimized' } },
    ],
  },
  { format: 'vdi', ext: '.vdi', detail: vscode.l10n.t('VirtualBox.'), presets: [] },
  {
    format: 'vhdx',
    ext: '.vhdx',
    detail: vscode.l10n.t('Hyper-V (Windows Server 2012 and later).'),
    presets: [
      { label: vscode.l10n.t('dynamic (default)'), detail: vscode.l10n.t('Grows as the guest writes.'), options: {} },
      { label: vscode.l10n.t('fixed'), detail: vscode.l10n.t('Full size on disk now: no growing file while the VM runs.'), options: { subformat: 'fixed' } },
    ],
  },
  {
    format: 'vpc',
    ext: '.vhd',
    detail: vscode.l10n.t('VHD: Virtual PC, older Hyper-V, Azure uploads.'),
    presets: [
      { label: vscode.l10n.t('dynamic (default)'), detail: vscode.l10n.t('Grows as the guest writes.'), options: {} },
      { label: vscode.l10n.t('fixed'), detail: vscode.l10n.t('Full size on disk, exact virtual size: what Azure requires for uploaded VHDs.'), options: { subformat: 'fixed' } },
    ],
  },
];

/** Destinations, after the plain formats: the format and options each cloud's import accepts. */
const CLOUD_CHOICES: readonly FormatChoice[] = CLOUD_TARGET_IDS.map((id) => {
  const c = CLOUD_TARGETS[id];
  return { format: c.format, ext: c.ext, detail: c.detail, presets: [], cloud: id };
});

function asPath(p: string | vscode.Uri): string {
  return typeof p === 'string' ? path.resolve(p) : p.fsPath;
}

function isUri(v: unknown): v is vscode.Uri {
  return v instanceof vscode.Uri;
}

function isConvertArgs(v: unknown): v is ConvertArgs {
  return !!v && typeof v === 'object' && !isUri(v) && !Array.isArray(v) && 'target' in v && 'targetFormat' in v;
}

/** The explanation an untrusted workspace gets; undefined when trusted. */
export async function refuseUntrusted(what: string): Promise<string | undefined> {
  if (vscode.workspace.isTrusted) return undefined;
  const msg = vscode.l10n.t('{0} runs qemu-img on files of this workspace, so the workspace must be trusted first. Trust it (Manage Workspace Trust), then run the command again.', what);
  void vscode.window.showWarningMessage(msg, vscode.l10n.t('Manage Workspace Trust')).then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return msg;
}

/** Files the command was given: the explorer's selection (uri, uris), one uri, or the active editor's file. */
export function selectedFiles(uri: unknown, uris: unknown): vscode.Uri[] {
  if (Array.isArray(uris) && uris.length > 0 && uris.every(isUri)) return uris;
  if (isUri(uri)) return [uri];
  // From the palette: the file in the active tab, if it looks like a disk image.
  const active = activeTabUri() ?? vscode.window.activeTextEditor?.document.uri;
  return active && isImageName(active.path) ? [active] : [];
}

function isImageName(p: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(p).slice(1).toLowerCase());
}

function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input && typeof input === 'object' && 'uri' in input && isUri(input.uri) ? input.uri : undefined;
}

/** Asks for image files when the command had none. */
export async function pickImageFiles(title: string, many: boolean): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: many,
    openLabel: vscode.l10n.t('Select'),
    filters: { [vscode.l10n.t('Disk images')]: IMAGE_EXTENSIONS, [vscode.l10n.t('All files')]: ['*'] },
  });
  return picked ?? [];
}

/** Why qemu-img cannot `verb` (convert, read) the file at `u`; undefined when it is a local file. */
export function localFileProblem(u: vscode.Uri, verb: string): string | undefined {
  return u.scheme === 'file' ? undefined : vscode.l10n.t('{0} is not a file on this machine\'s disk; qemu-img can only {1} local files.', u.toString(), verb);
}

/** One conversion's outcome, and whether the user cancelled it (which stops a queue). */
interface Attempt {
  outcome: ConvertOutcome;
  cancelled: boolean;
}

export class ConvertCommand implements vscode.Disposable {
  /** Conversions under way: stopping the extension cancels them (qemu-img stopped, partial target removed). */
  private readonly running = new Set<AbortController>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionUri: vscode.Uri,
  ) {}

  /** Entry point for the command: (uri, uris[]) from the explorer, (uri, ConvertArgs) or (ConvertArgs) from tests. */
  async run(arg0?: unknown, arg1?: unknown): Promise<ConvertOutcome | ConvertOutcome[] | undefined> {
    try {
      const refused = await refuseUntrusted(vscode.l10n.t('Converting a disk image'));
      if (refused) return refused;
      const args = isConvertArgs(arg0) ? arg0 : isConvertArgs(arg1) ? arg1 : undefined;
      if (args) {
        const source = args.source ?? (isUri(arg0) ? arg0 : undefined);
        if (!source) return this.fail(vscode.l10n.t('Converting needs a source: pass its Uri first, or `source` in the arguments.'));
        const src = typeof source === 'string' ? vscode.Uri.file(path.resolve(source)) : source;
        const problem = localFileProblem(src, 'convert');
        if (problem) return this.fail(problem);
        const attempt = await this.convertOne(src.fsPath, asPath(args.target), args.targetFormat, args.options ?? {}, args.overwrite ?? false, {
          sourceFormat: args.sourceFormat,
          allowText: args.allowText,
          cloud: args.cloud,
        });
        return attempt.outcome;
      }
      return await this.interactive(arg0, arg1);
    } catch (err) {
      // Never throw into the extension host: a bug here is logged and shown, not lost.
      return this.fail(vscode.l10n.t('Converting failed unexpectedly: {0}', errorMessage(err)), err);
    }
  }

  private async interactive(arg0: unknown, arg1: unknown): Promise<ConvertOutcome | ConvertOutcome[] | undefined> {
    let sources = selectedFiles(arg0, arg1);
    if (sources.length === 0) sources = await pickImageFiles(vscode.l10n.t('Disk images to convert'), true);
    if (sources.length === 0) return undefined;
    for (const s of sources) {
      const problem = localFileProblem(s, 'convert');
      if (problem) return this.fail(problem);
    }

    const settings = readSettings(sources[0]);
    // Before the first question: no point choosing a format and a name for a conversion that cannot run.
    try {
      const q = await checkQemuImg(settings.qemuImgPath);
      this.log.info(`qemu-img: ${q.path}, version ${q.version.join('.')}`);
    } catch (err) {
      if (err instanceof QemuImgError) return showRemedied(this.log, this.extensionUri, err.message, err.remedies);
      throw err;
    }
    const choice = await pickFormat(settings.convertDefaultFormat, sources.length);
    if (!choice) return undefined;
    const options = await pickPreset(choice);
    if (!options) return undefined;

    const outcomes: ConvertOutcome[] = [];
    for (const [i, s] of sources.entries()) {
      const source = s.fsPath;
      const target = await askTarget(source, choice, sources.length > 1 ? vscode.l10n.t(' ({0} of {1})', i + 1, sources.length) : '');
      if (!target) break;
      let overwrite = false;
      if (fs.existsSync(target)) {
        overwrite = await confirmOverwrite(target);
        if (!overwrite) {
          outcomes.push(vscode.l10n.t('Not converted: {0} exists and was kept.', target));
          continue;
        }
      }
      // Per queue, not per command: Cancel in another conversion running meanwhile must not stop this one.
      const attempt = await this.convertOne(source, target, choice.format, options, overwrite, { interactive: true, cloud: choice.cloud });
      outcomes.push(attempt.outcome);
      if (attempt.cancelled) break; // Cancel stops the whole queue
    }
    return sources.length === 1 ? outcomes[0] : outcomes;
  }

  private async convertOne(
    source: string,
    target: string,
    targetFormat: TargetFormat,
    options: ConvertOptions,
    overwrite: boolean,
    how: { sourceFormat?: string; allowText?: boolean; interactive?: boolean; cloud?: CloudTarget } = {},
  ): Promise<Attempt> {
    const { sourceFormat, allowText, interactive, cloud } = how;
    // A target that is the source (by name or link) is refused by convertImage itself.
    const settings = readSettings(vscode.Uri.file(source));
    const title = vscode.l10n.t('Converting {0} to {1}', path.basename(source), path.basename(target));
    this.log.info(`${title}: ${cloud ? `for ${CLOUD_TARGETS[cloud].label}, ` : ''}format ${targetFormat}, options ${JSON.stringify(options)}${overwrite ? ', replacing the existing target' : ''}`);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          this.running.add(abort);
          const sub = token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          try {
            return await convertImage({
              source,
              target,
              sourceFormat,
              targetFormat,
              cloud,
              options,
              overwrite,
              allowBackingFile: settings.allowBackingFile,
              allowText,
              qemuImgPath: settings.qemuImgPath,
              signal: abort.signal,
              log: (line) => this.log.info(line),
              onProgress: (p) => {
                const parts = [`${Math.floor(p.percent)}%`];
                if (p.bytesPerSecond !== undefined) parts.push(formatRate(p.bytesPerSecond));
                if (p.secondsLeft !== undefined) parts.push(vscode.l10n.t('{0} left', formatDuration(p.secondsLeft)));
                progress.report({ increment: Math.max(0, p.percent - shown), message: parts.join(' · ') });
                shown = Math.max(shown, p.percent);
              },
            });
          } finally {
            sub.dispose();
            this.running.delete(abort);
          }
        },
      );
      // The details (cache mode and why, the command line, sizes) go to the log; the toast is short.
      this.log.info(logSummary(source, result));
      const toast = successToast(result);
      void vscode.window.showInformationMessage(toast, REVEAL, SHOW_INFO).then((pick) => {
        const uri = vscode.Uri.file(result.target);
        if (pick === REVEAL) void vscode.commands.executeCommand('revealInExplorer', uri);
        if (pick === SHOW_INFO) void vscode.commands.executeCommand(IMAGE_INFO_COMMAND, uri);
      });
      return { outcome: { ...result, notification: toast }, cancelled: false };
    } catch (err) {
      if (err instanceof ConvertError && err.kind === 'cancelled') {
        this.log.info(err.message);
        // The file name first: a notification cuts long lines, and a full path would hide the news.
        const msg = vscode.l10n.t('{0}: conversion cancelled. Nothing was kept, and the source is unchanged.', path.basename(source));
        void vscode.window.showInformationMessage(msg);
        return { outcome: msg, cancelled: true };
      }
      if (err instanceof ConvertError && err.kind === 'looks-like-text' && interactive && (await confirmText(source, err.message))) {
        return this.convertOne(source, target, targetFormat, options, overwrite, { ...how, allowText: true });
      }
      const stderr = stderrOf(err);
      if (stderr) this.log.error(`qemu-img stderr:\n${stderr}`);
      if (err instanceof ConvertError) {
        const remedies = err.remedies.filter((r) => r !== 'allow-text' || !interactive);
        return { outcome: showRemedied(this.log, this.extensionUri, err.message, remedies), cancelled: false };
      }
      return this.failed(errorMessage(err), err);
    }
  }

  private fail(message: string, err?: unknown): string {
    return showFailure(this.log, message, err);
  }

  dispose(): void {
    for (const abort of this.running) abort.abort();
  }

  private failed(message: string, err?: unknown): Attempt {
    return { outcome: this.fail(message, err), cancelled: false };
  }
}

const REVEAL = vscode.l10n.t('Reveal in Explorer');
const SHOW_INFO = vscode.l10n.t('Show Info');

/** "disk.qcow2: 2.0 GiB virtual, 1.1 GiB on disk, converted in 3.4 s." Target name first, so a cut-off toast keeps it. */
export function successToast(r: ConvertResult): string {
  return vscode.l10n.t('{0}: {1} virtual, {2} on disk, converted in {3}.', path.basename(r.target), formatBytes(r.virtualSize), formatBytes(r.targetBytes), formatDuration(r.seconds));
}

/** The full story of a conversion, for the log. */
function logSummary(source: string, r: ConvertResult): string {
  // A rate over a fraction of a second of a small file says nothing.
  const rate = r.seconds >= 1 ? `, ${formatRate(r.sourceBytes / r.seconds)}` : '';
  return (
    `Converted ${source} (${r.sourceFormat}, ${formatBytes(r.sourceBytes)} on disk) to ${r.target} ` +
    `(${describeOutput(r)}, ${formatBytes(r.virtualSize)} virtual, ${formatBytes(r.targetBytes)} on disk) in ${formatDuration(r.seconds)}${rate}. ` +
    `Target cache ${r.cacheMode}: ${r.cacheReason.replace(/\.?$/, '.')}` +
    r.notes.map((n) => ` ${n}`).join('')
  );
}

/** Asks before converting a file that reads as text (core/textContent.ts decides when). */
async function confirmText(source: string, why: string): Promise<boolean> {
  const anyway = vscode.l10n.t('Convert Anyway');
  const pick = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} looks like a text file, not a disk image. Convert it as raw anyway?', path.basename(source)),
    { modal: true, detail: why.replace(/ Nothing was converted\.$/, '') },
    anyway,
  );
  return pick === anyway;
}

async function pickFormat(preferred: TargetFormat | undefined, count: number): Promise<FormatChoice | undefined> {
  const all = formats();
  const ordered = preferred ? [...all].sort((a, b) => Number(b.format === preferred) - Number(a.format === preferred)) : all;
  const items: (vscode.QuickPickItem & { choice?: FormatChoice })[] = [
    ...ordered.map((f) => ({
      label: f.format,
      description: f.format === preferred ? vscode.l10n.t('{0} (default)', f.ext) : f.ext,
      detail: f.detail,
      choice: f,
    })),
    { label: vscode.l10n.t('Cloud destinations'), kind: vscode.QuickPickItemKind.Separator },
    ...CLOUD_CHOICES.map((f) => ({ label: vscode.l10n.t('For {0}', CLOUD_TARGETS[f.cloud!].label), description: f.ext, detail: f.detail, choice: f })),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: count > 1 ? vscode.l10n.t('Convert {0} disk images to…', count) : vscode.l10n.t('Convert disk image to…'),
    placeHolder: vscode.l10n.t('Target format'),
    matchOnDetail: true,
  });
  return pick?.choice;
}

async function pickPreset(choice: FormatChoice): Promise<ConvertOptions | undefined> {
  if (choice.presets.length === 0) return {};
  const pick = await vscode.window.showQuickPick(
    choice.presets.map((p) => ({ label: p.label, detail: p.detail, options: p.options })),
    { title: vscode.l10n.t('{0} options', choice.format), placeHolder: vscode.l10n.t('How to write the target') },
  );
  return pick?.options;
}

/** Target name beside the source: same stem, the format's extension; never the source itself. */
function suggestTarget(source: string, ext: string): string {
  const dir = path.dirname(source);
  const stem = path.basename(source, path.extname(source));
  const plain = path.join(dir, stem + ext);
  return plain === source ? path.join(dir, `${stem}-converted${ext}`) : plain;
}

async function askTarget(source: string, choice: FormatChoice, counter: string): Promise<string | undefined> {
  const suggested = suggestTarget(source, choice.ext);
  const stemStart = suggested.length - path.basename(suggested).length;
  const answer = await vscode.window.showInputBox({
    title: vscode.l10n.t('Target file for {0}{1}', path.basename(source), counter),
    prompt: vscode.l10n.t('Path of the {0} image to write (relative names are beside the source)', choice.format),
    value: suggested,
    valueSelection: [stemStart, suggested.length - path.extname(suggested).length],
    validateInput: (v) => {
      if (v.trim() === '') return vscode.l10n.t('Enter a file name for the converted image.');
      const t = path.resolve(path.dirname(source), v.trim());
      if (t === path.resolve(source)) return vscode.l10n.t('That is the source file: converting onto it would destroy it. Choose another name.');
      try {
        if (fs.statSync(t).isDirectory()) return vscode.l10n.t('{0} is a folder; add a file name.', t);
      } catch {
        // Does not exist yet: fine.
      }
      return undefined;
    },
  });
  return answer === undefined ? undefined : path.resolve(path.dirname(source), answer.trim());
}

async function confirmOverwrite(target: string): Promise<boolean> {
  const replace = vscode.l10n.t('Replace');
  const pick = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} already exists. Replace it with the converted image?', path.basename(target)),
    { modal: true, detail: vscode.l10n.t('{0} will be overwritten once the conversion has finished.', target) },
    replace,
  );
  return pick === replace;
}
