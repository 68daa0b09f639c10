// Overrides live in the merge request thread, not in memory: the bot's reply to
// an accepted override carries a hidden record, and the active set is rebuilt
// from those records and the current head commit. Restarts and replicas agree.
import type { Override } from '../core/policy/overrides.js';
import type { ThreadComment } from '../platforms/types.js';

const RECORD = /<!-- safe-deploy:override ([A-Za-z0-9_-]+) -->/g;

/** The hidden record for a reply; base64url, so no text can close the HTML comment. */
export function overrideRecord(override: Override): string {
  return `<!-- safe-deploy:override ${Buffer.from(JSON.stringify(override)).toString('base64url')} -->`;
}

function decode(encoded: string): Override | null {
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Partial<Override>;
    if (typeof value.rule !== 'string' || typeof value.sha !== 'string' || typeof value.by !== 'string' || typeof value.reason !== 'string') return null;
    return { rule: value.rule, sha: value.sha, by: value.by, reason: value.reason, at: String(value.at ?? ''), ...(typeof value.resource === 'string' ? { resource: value.resource } : {}) };
  } catch {
    return null;
  }
}

/** Overrides recorded by the bot itself for this head commit; anyone else's text is ignored. */
export function activeOverrides(comments: ThreadComment[], headSha: string): Override[] {
  return comments
    .filter((c) => c.own)
    .flatMap((c) => [...c.body.matchAll(RECORD)].map((m) => decode(m[1]!)))
    .filter((o): o is Override => o !== null && o.sha === headSha);
}
