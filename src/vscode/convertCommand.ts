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

const FORMATS: readonly FormatChoice[] = [
  {
    format: 'raw',
    ext: '.raw',
    detail: 'Plain disk bytes: fastest for the VM, any tool reads it; as large as the virtual disk unless the filesystem keeps holes.',
    presets: [
      { label: 'Sparse (default)', detail: 'Unwritten areas take no space where the filesystem supports holes.', options: {} },
      { label: 'Preallocate (falloc)', detail: 'Reserves the whole size now, quickly: no out-of-space surprise while the VM runs.', options: { preallocation: 'falloc' } },
      { label: 'Preallocate fully (full)', detail: 'Writes the whole size now: slow to create, steady to run.', options: { preallocation: 'full' } },
    ],
  },
  {
    format: 'qcow2',
    ext: '.qcow2',
    detail: "QEMU's own format: grows as the guest writes, snapshots, backing files, compression. For KVM, libvirt and OpenStack.",
    presets: [
      { label: 'Thin (default)', detail: 'Grows as the guest writes: the smallest file to start with.', options: {} },
      { label: 'Compressed (zstd)', detail: 'Smallest file, fast: for templates and uploads. Readers need QEMU 5.1 or later built with zstd; falls back to zlib (with a note) where this qemu-img lacks zstd.', options: { compress: true } },
      { label: 'Compressed (zlib)', detail: 'Smallest file, readable by any QEMU including versions older than 5.1, but several times slower to write than zstd.', options: { compress: true, compressionType: 'zlib' } },
      { label: 'Preallocate metadata', detail: 'Faster first writes; the file stays thin.', options: { preallocation: 'metadata' } },
      { label: 'Preallocate fully (full)', detail: 'Writes the whole size now: slow to create, no out-of-space surprise later.', options: { preallocation: 'full' } },
    ],
  },
  {
    format: 'vmdk',
    ext: '.vmdk',
    detail: 'VMware (ESXi, vSphere, Workstation, Fusion).',
    presets: [
      { label: 'monolithicSparse (default)', detail: 'One growable file, for VMware Workstation or Fusion.', options: {} },
      { label: 'streamOptimized', detail: 'Compressed, for uploading to vSphere/ESXi or packing into an OVA.', options: { subformat: 'streamOptimized' } },
    ],
  },
  { format: 'vdi', ext: '.vdi', detail: 'VirtualBox.', presets: [] },
  {
    format: 'vhdx',
    ext: '.vhdx',
    detail: 'Hyper-V (Windows Server 2012 and later).',
    presets: [
      { label: 'dynamic (default)', detail: 'Grows as the guest writes.', options: {} },
      { label: 'fixed', detail: 'Full size on disk now: no growing file while the VM runs.', options: { subformat: 'fixed' } },
    ],
  },
  {
    format: 'vpc',
    ext: '.vhd',
    detail: 'VHD: Virtual PC, older Hyper-V, Azure uploads.',
    presets: [
      { label: 'dynamic (default)', detail: 'Grows as the guest writes.', options: {} },
      { label: 'fixed', detail: 'Full size on disk, exact virtual size: what Azure requires for uploaded VHDs.', options: { subformat: 'fixed' } },
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
  const msg = `${what} runs qemu-img on files of this workspace, so the workspace must be trusted first. Trust it (Manage Workspace Trust), then run the command again.`;
  void vscode.window.showWarningMessage(msg, 'Manage Workspace Trust').then((pick) => {
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
    openLabel: 'Select',
    filters: { 'Disk images': IMAGE_EXTENSIONS, 'All files': ['*'] },
  });
  return picked ?? [];
}

/** Why qemu-img cannot `verb` (convert, read) the file at `u`; undefined when it is a local file. */
export function localFileProblem(u: vscode.Uri, verb: string): string | undefined {
  return u.scheme === 'file' ? undefined : `${u.toString()} is not a file on this machine's disk; qemu-img can only ${verb} local files.`;
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
      const refused = await refuseUntrusted('Converting a disk image');
      if (refused) return refused;
      const args = isConvertArgs(arg0) ? arg0 : isConvertArgs(arg1) ? arg1 : undefined;
      if (args) {
        const source = args.source ?? (isUri(arg0) ? arg0 : undefined);
        if (!source) return this.fail('Converting needs a source: pass its Uri first, or `source` in the arguments.');
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
      return this.fail(`Converting failed unexpectedly: ${errorMessage(err)}`, err);
    }
  }

  private async interactive(arg0: unknown, arg1: unknown): Promise<ConvertOutcome | ConvertOutcome[] | undefined> {
    let sources = selectedFiles(arg0, arg1);
    if (sources.length === 0) sources = await pickImageFiles('Disk images to convert', true);
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
      const target = await askTarget(source, choice, sources.length > 1 ? ` (${i + 1} of ${sources.length})` : '');
      if (!target) break;
      let overwrite = false;
      if (fs.existsSync(target)) {
        overwrite = await confirmOverwrite(target);
        if (!overwrite) {
          outcomes.push(`Not converted: ${target} exists and was kept.`);
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
    const title = `Converting ${path.basename(source)} to ${path.basename(target)}`;
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
                if (p.secondsLeft !== undefined) parts.push(`${formatDuration(p.secondsLeft)} left`);
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
        const msg = `${path.basename(source)}: conversion cancelled. Nothing was kept, and the source is unchanged.`;
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

const REVEAL = 'Reveal in Explorer';
const SHOW_INFO = 'Show Info';

/** "disk.qcow2: 2.0 GiB virtual, 1.1 GiB on disk, converted in 3.4 s." Target name first, so a cut-off toast keeps it. */
export function successToast(r: ConvertResult): string {
  return `${path.basename(r.target)}: ${formatBytes(r.virtualSize)} virtual, ${formatBytes(r.targetBytes)} on disk, converted in ${formatDuration(r.seconds)}.`;
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
  const anyway = 'Convert Anyway';
  const pick = await vscode.window.showWarningMessage(
    `${path.basename(source)} looks like a text file, not a disk image. Convert it as raw anyway?`,
    { modal: true, detail: why.replace(/ Nothing was converted\.$/, '') },
    anyway,
  );
  return pick === anyway;
}

async function pickFormat(preferred: TargetFormat | undefined, count: number): Promise<FormatChoice | undefined> {
  const ordered = preferred ? [...FORMATS].sort((a, b) => Number(b.format === preferred) - Number(a.format === preferred)) : FORMATS;
  const items: (vscode.QuickPickItem & { choice?: FormatChoice })[] = [
    ...ordered.map((f) => ({
      label: f.format,
      description: f.format === preferred ? `${f.ext} (default)` : f.ext,
      detail: f.detail,
      choice: f,
    })),
    { label: 'Cloud destinations', kind: vscode.QuickPickItemKind.Separator },
    ...CLOUD_CHOICES.map((f) => ({ label: `For ${CLOUD_TARGETS[f.cloud!].label}`, description: f.ext, detail: f.detail, choice: f })),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: count > 1 ? `Convert ${count} disk images to…` : 'Convert disk image to…',
    placeHolder: 'Target format',
    matchOnDetail: true,
  });
  return pick?.choice;
}

async function pickPreset(choice: FormatChoice): Promise<ConvertOptions | undefined> {
  if (choice.presets.length === 0) return {};
  const pick = await vscode.window.showQuickPick(
    choice.presets.map((p) => ({ label: p.label, detail: p.detail, options: p.options })),
    { title: `${choice.format} options`, placeHolder: 'How to write the target' },
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
    title: `Target file for ${path.basename(source)}${counter}`,
    prompt: `Path of the ${choice.format} image to write (relative names are beside the source)`,
    value: suggested,
    valueSelection: [stemStart, suggested.length - path.extname(suggested).length],
    validateInput: (v) => {
      if (v.trim() === '') return 'Enter a file name for the converted image.';
      const t = path.resolve(path.dirname(source), v.trim());
      if (t === path.resolve(source)) return 'That is the source file: converting onto it would destroy it. Choose another name.';
      try {
        if (fs.statSync(t).isDirectory()) return `${t} is a folder; add a file name.`;
      } catch {
        // Does not exist yet: fine.
      }
      return undefined;
    },
  });
  return answer === undefined ? undefined : path.resolve(path.dirname(source), answer.trim());
}

async function confirmOverwrite(target: string): Promise<boolean> {
  const replace = 'Replace';
  const pick = await vscode.window.showWarningMessage(
    `${path.basename(target)} already exists. Replace it with the converted image?`,
    { modal: true, detail: `${target} will be overwritten once the conversion has finished.` },
    replace,
  );
  return pick === replace;
}
