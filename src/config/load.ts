// Loading .safe-deploy.yml: from an explicit file, or from the base revision.
import { readFile } from 'node:fs/promises';
import { RenderError, UserError } from '../errors.js';
import { readYamlFile } from '../util/yaml-read.js';
import type { Config } from './schema.js';

export const CONFIG_FILE = '.safe-deploy.yml';

/**
 * Validates config text; a UserError naming the file and each bad field. The
 * schema library loads only here, so reviews without a config start faster.
 */
export async function parseConfig(text: string, file: string): Promise<Config> {
  const { configSchema } = await import('./schema.js');
  let raw: unknown;
  try {
    // YAML 1.2, where `off` is the string the schema expects, not a boolean.
    raw = (await readYamlFile(text, file)) ?? {};
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    throw new UserError(`${file}: ${error.reason}${error.line ? ` at line ${error.line}` : ''}`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new UserError(`${file}: ${problems.join('; ')}`);
  }
  const { CATALOG } = await import('../core/policy/catalog.js');
  const known = new Set(CATALOG.map((rule) => rule.id));
  const unknown = Object.keys(result.data.policies.rules).filter((id) => !known.has(id) && !id.startsWith('policy:'));
  if (unknown.length) throw new UserError(`${file}: policies.rules: unknown rule ${unknown.map((id) => `"${id}"`).join(', ')}; see docs/rules.md`);
  const clusters = Object.keys(result.data.clusters ?? {});
  const named = [
    ...(result.data.targets ?? []).flatMap((t, i) => (t.cluster ? [[`targets[${i}].cluster`, t.cluster]] : [])),
    ...result.data.live.targets.map((m, i) => [`live.targets[${i}].cluster`, m.cluster]),
  ];
  const missing = named.filter(([, name]) => !clusters.includes(name!));
  if (missing.length) throw new UserError(`${file}: ${missing.map(([at, name]) => `${at}: no cluster "${name}" under clusters:`).join('; ')}`);
  return result.data;
}

/** The config of a repository without .safe-deploy.yml: discovery, default rule severities. */
export function defaultConfig(): Config {
  return { policies: { rules: {}, exclude: [], custom: [], blockOn: 'introduced' }, render: {}, diff: { ignore: [] }, forks: 'automatic', commands: {}, live: { required: false, targets: [] } };
}

export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`cannot read config file ${path}`);
  }
  return parseConfig(text, path);
}
