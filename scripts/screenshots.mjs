#!/usr/bin/env node
// `npm run screenshots`: uses the extension the way a person does, in a real VS Code (code-server)
// through headless Chromium, checks what a person would see, and saves PNGs to media/:
//   1. opens the sample workspace and a domain XML from the explorer, opens the Problems panel
//      and reads the findings; opens the quick-fix menu on one       → media/quick-fix.png
//   1b. opens the Proxmox VM config examples/pve/qemu-server/100.conf: its findings, the
//      io_uring one from the storage.cfg above it                    → media/proxmox.png
//   2. right-clicks a disk image in the explorer: "Convert Disk Image…" is there
//                                                                   → media/explorer-convert.png
//   3. converts a larger generated image through the menus and catches the progress
//      notification, then presses its Cancel: no target, no .part    → media/convert-progress.png
// Exits 1 when something a person should see is missing. Leaves no process behind.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshProfile, installExtension, launchChromium, repoRoot, setupEnv, startCodeServer, tempRoot } from '../test/integration/codeServer.mjs';

// `--out DIR` writes the PNGs elsewhere (the integration launcher's "ui" run uses a temp folder).
const outAt = process.argv.indexOf('--out');
const media = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(repoRoot, 'media');
fs.mkdirSync(media, { recursive: true });
const say = (m) => process.stdout.write(`screenshots: ${m}\n`);
const problems = [];
const check = (ok, what) => {
  say(`${ok ? 'ok     ' : 'MISSING'} ${what}`);
  if (!ok) problems.push(what);
};

const env = setupEnv();
say('packaging the extension');
execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });

// A copy of examples/ (so the large image is not written into the repository) with the images.
const root = tempRoot('qdt-shots-');
const workspace = path.join(root, 'examples');
fs.cpSync(path.join(repoRoot, 'examples'), workspace, { recursive: true, filter: (s) => !s.includes(`${path.sep}images`) });
const images = path.join(workspace, 'images');
fs.mkdirSync(images);
makeImage(path.join(images, 'debian-sample.qcow2'), 64, 'qcow2');
makeImage(path.join(images, 'build-cache.raw'), 768, 'raw');

const profile = freshProfile(path.join(root, 'profile'), {
  'workbench.colorTheme': 'Default Light Modern',
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  'workbench.layoutControl.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
});
installExtension(env, profile, path.join(repoRoot, 'qemu-disk-tools.vsix'));
const server = await startCodeServer(env, profile, { trust: true, folder: workspace });
let browser;
const stopAll = async () => {
  await browser?.close().catch(() => {});
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stopAll().finally(() => process.exit(130)));

try {
  browser = await launchChromium(env, { profile });
  const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  const explorer = page.locator('.explorer-folders-view');
  await explorer.waitFor({ timeout: 60_000 });
  const row = (name) => explorer.locator(`.monaco-list-row[aria-label="${name}"]`);

  // 1. The domain XML, its problems, the quick-fix menu.
  await row('web01.xml').click();
  await page.locator('.monaco-editor .view-lines').first().waitFor();
  await page.locator('.squiggly-warning, .squiggly-error').first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Control+Shift+M');
  const markers = page.locator('.markers-panel .monaco-list-row');
  await markers.first().waitFor({ timeout: 30_000 });
  const texts = await markers.allInnerTexts();
  say(`Problems panel:\n    ${texts.map((t) => t.replace(/\s+/g, ' ')).join('\n    ')}`);
  const unsafeRow = markers.filter({ hasText: "cache='unsafe' ignores the guest's flushes" });
  check((await unsafeRow.count()) === 1, "Problems panel shows the cache='unsafe' finding with its message");
  check(texts.some((t) => /io-native-needs-direct/.test(t)), 'Problems panel shows io-native-needs-direct');
  await unsafeRow.dblclick(); // jumps to the finding, focus in the editor
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget').filter({ hasText: "Set cache='none'" }).first();
  await menu.waitFor({ timeout: 15_000 });
  const menuText = await menu.innerText();
  say(`quick-fix menu:\n    ${menuText.split('\n').join('\n    ')}`);
  check(/Set cache='none'/.test(menuText), "quick-fix menu offers Set cache='none'");
  await page.screenshot({ path: path.join(media, 'quick-fix.png') });
  await page.keyboard.press('Escape');

  // 1b. A Proxmox VE VM config (with the storage.cfg above it, as in /etc/pve): its findings.
  await row('pve').click();
  await row('qemu-server').click();
  await row('100.conf').click();
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000);
  const pveTexts = await markers.allInnerTexts();
  say(`Problems panel with the Proxmox config:\n    ${pveTexts.map((t) => t.replace(/\s+/g, ' ')).join('\n    ')}`);
  check(pveTexts.some((t) => /aio=native needs O_DIRECT, but this disk has cache=writeback/.test(t)), 'Problems panel shows the Proxmox aio=native finding');
  check(pveTexts.some((t) => /proxmox-io-uring-storage/.test(t)), 'Problems panel shows proxmox-io-uring-storage (from storage.cfg)');
  await page.screenshot({ path: path.join(media, 'proxmox.png') });
  await row('pve').click();

  // 2. The explorer context menu on an image.
  await row('images').click();
  await row('debian-sample.qcow2').click({ button: 'right' });
  const convertItem = page.locator('.monaco-menu .action-label', { hasText: 'Convert Disk Image…' });
  await convertItem.waitFor({ timeout: 15_000 }).catch(() => {});
  check((await convertItem.count()) > 0, 'right-click on a .qcow2 offers "Convert Disk Image…"');
  check((await page.locator('.monaco-menu .action-label', { hasText: 'Show Disk Image Info' }).count()) > 0, 'and "Show Disk Image Info"');
  await page.screenshot({ path: path.join(media, 'explorer-convert.png') });
  await page.keyboard.press('Escape');

  // 3. A conversion through the menus, caught while its progress notification is up.
  await row('build-cache.raw').click({ button: 'right' });
  // Hover selects the item, Enter runs it (as with the keyboard in a menu).
  await page.locator('.monaco-menu .action-label', { hasText: 'Convert Disk Image…' }).hover();
  await page.keyboard.press('Enter');
  // Each step waits for what a person waits for: the list showing the choice, then Enter.
  const pick = page.locator('.quick-input-widget');
  const choose = async (typed, rowText) => {
    await pick.waitFor();
    await page.keyboard.type(typed);
    await pick.locator('.quick-input-list .monaco-list-row').first().filter({ hasText: rowText }).waitFor({ timeout: 20_000 });
    await page.keyboard.press('Enter');
  };
  await choose('vmdk', /vmdk/i); // format
  await choose('streamOptimized', /streamOptimized/); // preset
  // The target name, suggested beside the source.
  await page.locator('.quick-input-box input').filter({ hasNot: page.locator('[disabled]') }).waitFor();
  await page.waitForFunction(() => {
    const input = document.querySelector('.quick-input-box input');
    return input instanceof HTMLInputElement && input.value.endsWith('.vmdk');
  }, undefined, { timeout: 20_000 });
  await page.keyboard.press('Enter');
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: /Converting build-cache\.raw/ });
  const shown = await toast.waitFor({ timeout: 20_000 }).then(() => true, () => false);
  // Wait for a percentage in the message, so the picture shows progress, not just a start.
  const withPercent = toast.filter({ hasText: /[1-9]\d*%/ });
  const progressed = shown && (await withPercent.waitFor({ timeout: 20_000 }).then(() => true, () => false));
  if (progressed) {
    await page.waitForTimeout(400); // the toast's slide-in animation
    const text = await withPercent.innerText({ timeout: 2000 }).catch(() => '');
    await page.screenshot({ path: path.join(media, 'convert-progress.png') });
    say(`progress notification: ${text.replace(/\s+/g, ' ')}`);
    // Cancel, as a person would: the conversion stops and leaves neither target nor .part.
    await toast.getByRole('button', { name: 'Cancel' }).click();
    // The notification closes at the click; qemu-img is stopped and the .part removed just after.
    const leftovers = () => fs.readdirSync(images).filter((f) => f.startsWith('build-cache.vmdk'));
    for (let i = 0; i < 100 && leftovers().length > 0; i++) await page.waitForTimeout(100);
    const left = leftovers();
    check(left.length === 0, `Cancel leaves no target or .part behind (within 10 s)${left.length ? ` (found ${left.join(', ')})` : ''}`);
  } else {
    const any = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    say(`no progress shown; notifications now: ${any.map((t) => t.replace(/\s+/g, ' ')).join(' | ') || 'none'}`);
  }
  check(progressed, 'converting shows a progress notification with a percentage');
} catch (e) {
  const failShot = path.join(root, '..', `qdt-screenshots-failure-${process.pid}.png`);
  await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: failShot }).catch(() => {});
  say(`what the page showed: ${failShot}`);
  problems.push(String(e.message || e));
  say(`failed: ${e.stack || e}`);
} finally {
  await stopAll();
}
say(problems.length ? `${problems.length} problem(s): ${problems.join('; ')}` : `screenshots in ${path.relative(process.cwd(), media) || media}/`);
process.exit(problems.length ? 1 : 0);

/** An image with varied (not zero) data: `mib` MiB virtual, about half of it written. */
function makeImage(file, mib, format) {
  const raw = format === 'raw' ? file : `${file}.tmp`;
  execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, `${mib}M`]);
  const fd = fs.openSync(raw, 'r+');
  const buf = Buffer.alloc(1024 * 1024);
  let x = 0x9e3779b9;
  for (let mb = 0; mb < mib; mb += 2) {
    for (let i = 0; i < buf.length; i += 4) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift: incompressible, so conversion takes a moment
      buf.writeUInt32LE(x >>> 0, i);
    }
    fs.writeSync(fd, buf, 0, buf.length, mb * 1024 * 1024);
  }
  fs.closeSync(fd);
  if (raw !== file) {
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', format, raw, file]);
    fs.rmSync(raw);
  }
}
