// Typed access to the extension's settings (contributes.configuration in package.json).
import * as vscode from 'vscode';
import type { SeveritySetting } from '../core/types';
import type { TargetFormat } from '../core/image/convert';
import { ruleInfo } from '../core/lint/rules';
import { SEVERITY_SETTINGS } from '../core/lint/ruleConfig';
import { TARGET_FORMATS } from '../core/image/convertOptions';

const SECTION = 'qemuDiskTools';

export interface Settings {
  lintEnable: boolean;
  /** Per-rule severity overrides, only known rules and valid values. */
  rules: Record<string, SeveritySetting>;
  /** Undefined = find qemu-img on PATH. Not read from an untrusted workspace (restrictedConfigurations). */
  qemuImgPath?: string;
  /** Format preselected in the convert command's quick pick. */
  convertDefaultFormat?: TargetFormat;
  /** Convert images that have a backing file (off: they are refused). */
  allowBackingFile: boolean;
}

/** Rule overrides from a settings object, dropping unknown rules and values (a typo must not break linting). */
function ruleOverrides(raw: unknown): Record<string, SeveritySetting> {
  const out: Record<string, SeveritySetting> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [id, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!ruleInfo(id) || typeof v !== 'string') continue;
    const s = v.toLowerCase() === 'information' ? 'info' : v.toLowerCase();
    if ((SEVERITY_SETTINGS as readonly string[]).includes(s)) out[id] = s as SeveritySetting;
  }
  return out;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const path = c.get<string>('qemuImgPath', '').trim();
  const fmt = c.get<string>('convert.defaultFormat', '');
  return {
    lintEnable: c.get<boolean>('lint.enable', true),
    rules: ruleOverrides(c.get<unknown>('rules', {})),
    qemuImgPath: path === '' ? undefined : path,
    convertDefaultFormat: (TARGET_FORMATS as readonly string[]).includes(fmt) ? (fmt as TargetFormat) : undefined,
    allowBackingFile: c.get<boolean>('convert.allowBackingFile', false),
  };
}

/** Settings that change what the linter reports. */
export function affectsLinting(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.lint`) || e.affectsConfiguration(`${SECTION}.rules`);
}
