// The slash-command handlers, one set for every platform: the bot builds one
// CommandContext per comment (who is asking, how to reply, react, review and rerun).
import type { Config } from '../config/schema.js';
import { findRule, CATALOG } from '../core/policy/catalog.js';
import type { Override } from '../core/policy/overrides.js';
import type { ReviewResult } from '../reviewer/index.js';
import type { ThreadComment } from './thread.js';
import type { Log } from '../util/log.js';
import { diffBlock, reviewComment, reviewedHead, RULES_DOC_URL } from '../report/markdown.js';
import { code, escapeText, mention } from '../report/markdown-text.js';
import { atLeast, DEFAULT_OVERRIDERS, describeAllowed, isAllowed, type Principal } from './authorize.js';
import type { OverrideRecords } from './override-record.js';
import { parseCommands, type Command } from './parse.js';

export interface CommandContext {
  principal: Principal;
  headSha: string;
  /** The merge request's head commit now, asked of the platform. */
  currentHead(): Promise<string>;
  /** Signs and reads the override records of the thread. */
  records: OverrideRecords;
  /** The merge request's key ("owner/repo#12"), which records are bound to. */
  mergeRequest: string;
  commentLimit: number;
  reply(body: string): Promise<void>;
  react(reaction: 'eyes' | '+1' | '-1'): Promise<void>;
  /** .safe-deploy.yml of the base revision. */
  baseConfig(): Promise<Config>;
  comments(): Promise<ThreadComment[]>;
  /** A fresh review of the head, not posted; only the named targets when given. Close it when done. */
  review(targets?: string[]): Promise<ReviewResult>;
  /** The full review job (comment and status), awaited. */
  rerun(): Promise<void>;
  log: Log;
}

type Outcome = 'done' | 'refused' | 'failed';

const short = (sha: string) => sha.slice(0, 12);

function helpText(allowed: string[]): string {
  return [
    '**safe-deploy commands** — each on a line of its own, in a new comment:',
    '',
    '| command | what it does | who may |',
    '| --- | --- | --- |',
    '| `/safe-deploy help` | this list | anyone |',
    '| `/safe-deploy rerun [target]` (or `diff`) | review again: everything (comment and status), or one target (a reply) | write access |',
    '| `/safe-deploy show <Kind>/<name> [target]` | the full redacted diff of one object | anyone |',
    '| `/safe-deploy explain <rule-id>` | what a rule checks and how to fix it | anyone |',
    `| \`/safe-deploy override <rule-id> [<Kind>/<name>] -- <reason>\` | accept a failing rule for this commit, on record | ${escapeText(describeAllowed(allowed))} |`,
    '| `/safe-deploy overrides` | the active overrides | anyone |',
    '',
    `Rules: ${RULES_DOC_URL}`,
  ].join('\n');
}

async function refuse(context: CommandContext, command: Command, needed: string, has: string): Promise<Outcome> {
  context.log.warn({ user: context.principal.username, command: command.text, needed, has }, 'slash-command refused');
  const asked = `/safe-deploy ${[command.name, ...command.args].join(' ')}`;
  await context.reply(`${mention(context.principal.username)}, sorry: ${code(asked)} needs ${escapeText(needed)}, and you have ${escapeText(has)}.`);
  return 'refused';
}

async function rerun(context: CommandContext, command: Command): Promise<Outcome> {
  const role = await context.principal.role();
  if (!atLeast(role, 'write')) return refuse(context, command, 'write access to the repository', `${role} access`);
  const [target] = command.args;
  if (!target) {
    await context.rerun();
    return 'done';
  }
  const result = await context.review([target]);
  try {
    if (!result.review.targets.length) {
      await context.reply(`No target named ${code(target)} changes in this merge request at ${code(short(context.headSha))}.`);
      return 'failed';
    }
    await context.reply(`Review of ${code(target)} at ${code(short(context.headSha))}:\n\n${await result.markdown({ limit: context.commentLimit - 200, marker: false })}`);
    return 'done';
  } finally {
    result.close();
  }
}

async function show(context: CommandContext, command: Command): Promise<Outcome> {
  const [resource, target] = command.args;
  const [kind, name] = (resource ?? '').split('/', 2);
  if (!kind || !name) {
    await context.reply('Usage: `/safe-deploy show <Kind>/<name> [target]`, e.g. `/safe-deploy show Deployment/web`.');
    return 'failed';
  }
  const result = await context.review(target ? [target] : undefined);
  try {
    const found = result.review.targets.flatMap((t, ti) =>
      t.changes.flatMap((c, ci) => (c.kind.toLowerCase() === kind.toLowerCase() && (c.name === name || c.previousName === name) ? [{ target: t.name, change: c, at: [ti, ci] as const }] : [])),
    );
    if (!found.length) {
      await context.reply(`No change to ${code(`${kind}/${name}`)} in this merge request at ${code(short(context.headSha))}.`);
      return 'failed';
    }
    const budget = context.commentLimit - 500;
    const sections = [];
    for (const { target, change, at } of found) {
      const id = `${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
      const impacts = change.impacts.map((i) => `- ${i.type}: ${escapeText(i.message)}`);
      const text = await result.diff(...at);
      let diff = diffBlock({ diff: text }).join('\n');
      if (diff.length > budget / found.length) {
        const lines = text.split('\n');
        const kept = lines.slice(0, Math.floor(budget / found.length / 100));
        diff = `${diffBlock({ diff: kept.join('\n') }).join('\n')}\n\n_${lines.length - kept.length} more lines; \`safe-deploy review\` prints the whole diff._`;
      }
      sections.push([`#### ${change.action} ${code(id)} in ${code(target)}`, ...(impacts.length ? ['', ...impacts] : []), diff].join('\n'));
    }
    await context.reply(sections.join('\n\n'));
    return 'done';
  } finally {
    result.close();
  }
}

async function explain(context: CommandContext, command: Command): Promise<Outcome> {
  const [id] = command.args;
  const rule = id ? findRule(id) : undefined;
  if (!rule) {
    await context.reply(`${id ? `There is no rule ${code(id)}` : 'Name a rule'}: \`/safe-deploy explain <rule-id>\`. The rules: ${CATALOG.map((r) => code(r.id)).join(', ')}.`);
    return 'failed';
  }
  await context.reply(`### ${code(rule.id)} — ${rule.defaultSeverity} by default\n\n**${escapeText(rule.summary)}.**\n\n${rule.explanation}\n\n${RULES_DOC_URL}#${rule.id}`);
  return 'done';
}

async function override(context: CommandContext, command: Command): Promise<Outcome> {
  const [rule, resource] = command.args;
  if (!rule || !command.reason) {
    await context.reply('An override needs a rule and a reason: `/safe-deploy override <rule-id> [<Kind>/<name>] -- <why this is safe>`.');
    return 'failed';
  }
  if (!findRule(rule) && !rule.startsWith('policy:')) {
    await context.reply(`There is no rule ${code(rule)}; \`/safe-deploy help\` links to the list.`);
    return 'failed';
  }
  if (resource && !/^[^/\s]+\/[^/\s]+$/.test(resource)) {
    await context.reply('Name the object as `<Kind>/<name>`, e.g. `Deployment/web`.');
    return 'failed';
  }
  const allowed = (await context.baseConfig()).commands.override ?? DEFAULT_OVERRIDERS;
  if (!(await isAllowed(context.principal, allowed))) {
    return refuse(context, command, describeAllowed(allowed), `${await context.principal.role()} access`);
  }
  // The approver saw the posted review: the override holds for the head it reviewed, and only while that is still the head.
  const [head, reviewed] = await Promise.all([context.currentHead(), context.comments().then((comments) => reviewedHead(reviewComment(comments)?.body ?? ''))]);
  if (reviewed !== head) {
    const why = reviewed === null ? `there is no review of ${code(short(head))} yet` : `the head changed to ${code(short(head))}`;
    await context.reply(`Override refused: ${why}; review it and override again.`);
    return 'refused';
  }
  const record: Override = { rule, ...(resource ? { resource } : {}), sha: head, by: context.principal.username, reason: command.reason, at: new Date().toISOString() };
  await context.reply(context.records.confirmation(record, context.mergeRequest));
  context.log.info({ override: record }, 'override recorded');
  await context.rerun();
  return 'done';
}

async function listOverrides(context: CommandContext): Promise<Outcome> {
  const active = context.records.active(await context.comments(), context.headSha, context.mergeRequest, context.log);
  if (!active.length) {
    await context.reply(`No active overrides for ${code(short(context.headSha))}.`);
    return 'done';
  }
  const rows = active.map((o) => `| ${code(o.rule)} | ${o.resource ? code(o.resource) : 'all'} | ${escapeText(o.by)} | ${escapeText(o.reason)} |`);
  await context.reply([`Active overrides for ${code(short(context.headSha))}:`, '', '| Rule | Resource | By | Reason |', '| --- | --- | --- | --- |', ...rows].join('\n'));
  return 'done';
}

async function runOne(context: CommandContext, command: Command): Promise<Outcome> {
  switch (command.name) {
    case 'help':
      await context.reply(helpText((await context.baseConfig()).commands.override ?? DEFAULT_OVERRIDERS));
      return 'done';
    case 'rerun':
      return rerun(context, command);
    case 'show':
      return show(context, command);
    case 'explain':
      return explain(context, command);
    case 'override':
      return override(context, command);
    case 'overrides':
      return listOverrides(context);
    case 'unknown':
      await context.reply(`I don't know ${code(`/safe-deploy ${command.text.split(/\s/)[0]}`)}; \`/safe-deploy help\` lists the commands.`);
      return 'failed';
  }
}

/** Runs the commands of a new comment in order; 👀 on receipt, then 👍 or 👎. Returns whether any command ran. */
export async function handleComment(body: string, context: CommandContext): Promise<boolean> {
  const commands = parseCommands(body);
  if (!commands.length) return false;
  await context.react('eyes').catch((error: unknown) => context.log.warn({ err: error }, 'cannot react'));
  let allDone = true;
  for (const command of commands) {
    let outcome: Outcome;
    try {
      outcome = await runOne(context, command);
    } catch (error) {
      context.log.error({ err: error, command: command.text }, 'slash-command failed');
      await context.reply(`\`/safe-deploy ${command.name}\` could not run: ${escapeText((error as Error).message.split('\n')[0] ?? 'error')}`).catch(() => undefined);
      outcome = 'failed';
    }
    allDone &&= outcome === 'done';
  }
  await context.react(allDone ? '+1' : '-1').catch((error: unknown) => context.log.warn({ err: error }, 'cannot react'));
  return true;
}
