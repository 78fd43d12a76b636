// Rule severity settings: `.qemu-disk-tools.json` in the repository (shared with the editor, so
// CI and the Problems panel agree), then `--rule id=severity` on the command line, which wins.
//   { "rules": { "cache-writethrough": "error", "migration-cache": "off" } }
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEVERITIES, type SeveritySetting } from '../types';
import { RULES, ruleInfo } from './rules';

/** A bad config file or --rule value; the message names the file or option. */
export class ConfigError extends Error {}

export const CONFIG_FILE_NAME = '.qemu-disk-tools.json';
export const SEVERITY_SETTINGS: readonly SeveritySetting[] = [...SEVERITIES, 'off'];

export type Severities = Record<string, SeveritySetting>;

function checkRule(id: string, where: string): void {
  if (!ruleInfo(id)) {
    throw new ConfigError(`${where}: unknown rule '${id}'. Valid rules: ${RULES.map((r) => r.id).join(', ')}.`);
  }
}

function checkSeverity(value: unknown, id: string, where: string): SeveritySetting {
  if (typeof value !== 'string' || !SEVERITY_SETTINGS.includes(value as SeveritySetting)) {
    throw new ConfigError(`${where}: '${String(value)}' is not a severity for rule '${id}'. Valid severities: ${SEVERITY_SETTINGS.join(', ')}.`);
  }
  return value as SeveritySetting;
}

/** Parses one `--rule id=severity` value. */
export function parseRuleOption(value: string): [string, SeveritySetting] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--rule '${value}': write it as --rule RULE=SEVERITY, e.g. --rule cache-writethrough=error.`);
  const id = value.slice(0, eq).trim();
  checkRule(id, `--rule ${value}`);
  return [id, checkSeverity(value.slice(eq + 1).trim(), id, `--rule ${value}`)];
}

/** Parses the text of a config file; throws a ConfigError naming the file on anything wrong. */
export function parseConfig(text: string, file: string): Severities {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message}); the rule settings in it cannot be applied.`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected an object like {"rules": {"cache-writethrough": "error"}}.`);
  }
  // A misspelt key would silently do nothing: refuse it, as the schema does in the editor.
  for (const key of Object.keys(data)) {
    if (key !== 'rules' && key !== '$schema') {
      throw new ConfigError(`${file}: unknown key '${key}'; the only setting is "rules", e.g. {"rules": {"cache-writethrough": "error"}}.`);
    }
  }
  const rules = (data as { rules?: unknown }).rules;
  if (rules === undefined) return {};
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) {
    throw new ConfigError(`${file}: "rules" must be an object mapping rule ids to severities.`);
  }
  const out: Severities = {};
  for (const [id, sev] of Object.entries(rules)) {
    checkRule(id, file);
    out[id] = checkSeverity(sev, id, file);
  }
  return out;
}

/** The config file that applies to `dir`: the nearest one in it or a parent directory. */
export function findConfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, CONFIG_FILE_NAME);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

export function loadConfig(file: string): Severities {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  return parseConfig(text, file);
}
