// The walkthrough's buttons (contributes.walkthroughs): open the sample domain as an
// untitled copy (so fixing it changes nothing on disk, least of all the installed extension),
// and convert a sample image made on the spot.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONVERT_COMMAND } from './convertCommand';

export const OPEN_SAMPLE_COMMAND = 'qemuDiskTools.openSample';
export const CONVERT_SAMPLE_COMMAND = 'qemuDiskTools.convertSample';

const SAMPLE_DOMAIN = 'examples/web01.xml';

/** A sparse raw image: 256 MiB virtual, a little data written, so qemu-img has something to copy. */
const SAMPLE_IMAGE_BYTES = 256 * 1024 * 1024;

/** The sample domain, as an untitled XML document in an editor. */
export async function openSample(extensionUri: vscode.Uri): Promise<vscode.TextEditor> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, SAMPLE_DOMAIN));
  const doc = await vscode.workspace.openTextDocument({ language: 'xml', content: new TextDecoder().decode(bytes) });
  return vscode.window.showTextDocument(doc);
}

/** Writes sample-disk.raw into a temporary folder and starts "Convert Disk Image…" on it. */
export function convertSample(): Thenable<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-disk-tools-sample-'));
  const file = path.join(dir, 'sample-disk.raw');
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, SAMPLE_IMAGE_BYTES);
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
    for (let at = 0; at < SAMPLE_IMAGE_BYTES; at += 16 * 1024 * 1024) fs.writeSync(fd, block, 0, block.length, at);
  } finally {
    fs.closeSync(fd);
  }
  return vscode.commands.executeCommand(CONVERT_COMMAND, vscode.Uri.file(file));
}
