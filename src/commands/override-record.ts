// Overrides live in the merge request thread, not in memory: the bot's reply to
// an accepted override is the record, and the active set is rebuilt from those
// replies and the current head commit, so restarts and replicas agree.
//
// The bot's own comments repeat text others wrote (arguments, object names,
// diffs), so a record is trusted only when it is authenticated — an HMAC with a
// key only the server holds — and when the comment holding it is, whole and
// exactly, the confirmation the bot writes for that record.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Override } from '../core/policy/overrides.js';
import { UserError } from '../errors.js';
import type { Log } from '../util/log.js';
import type { ThreadComment } from './thread.js';
import { code, escapeText, mention } from '../report/markdown-text.js';

const LABEL = 'safe-deploy override record v1';
// The record closes the confirmation: its last line, nothing after it.
const RECORD_LINE = /\n<!-- safe-deploy:override ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43}) -->\n?$/;

const short = (sha: string) => sha.slice(0, 12);

/** Signs and reads override records with a key derived from a server secret. */
export class OverrideRecords {
  private readonly key: Buffer;

  /**
   * `secret`: SAFE_DEPLOY_RECORD_KEY, else the platform's webhook secret (a
   * server) or token (CI mode). Records verify only where the same secret is set.
   */
  constructor(secret: string) {
    if (!secret) throw new UserError('override records need a secret: set SAFE_DEPLOY_RECORD_KEY or the webhook secret');
    this.key = createHmac('sha256', secret).update(LABEL).digest();
  }

  /** Over the merge request too: a confirmation copied into another merge request does not verify there. */
  private mac(scope: string, payload: string): Buffer {
    return createHmac('sha256', this.key).update(`${scope}\n${payload}`).digest();
  }

  /** The whole body of the bot's reply to an accepted override; the record is its last line. */
  confirmation(override: Override, scope: string): string {
    const payload = encode(override);
    const on = override.resource ? ` on ${code(override.resource)}` : '';
    return [
      `Override recorded: ${code(override.rule)}${on} for ${code(short(override.sha))}, by ${mention(override.by)}: ${escapeText(override.reason)}`,
      '',
      'It holds until the next push.',
      `<!-- safe-deploy:override ${payload}.${this.mac(scope, payload).toString('base64url')} -->`,
    ].join('\n');
  }

  /** The record of one comment: the bot's own, exactly a confirmation, with a valid MAC; else null. */
  read(comment: ThreadComment, scope: string, log?: Log): Override | null {
    if (!comment.own) return null;
    const match = RECORD_LINE.exec(comment.body);
    if (!match) return null;
    const [, payload, mac] = match as unknown as [string, string, string];
    if (!timingSafeEqual(Buffer.from(mac, 'base64url'), this.mac(scope, payload))) {
      log?.warn({ comment: comment.id }, 'override record with an invalid MAC ignored');
      return null;
    }
    const override = decode(payload);
    // Anything around the record other than what the bot writes for it means the comment is something else.
    if (!override || this.confirmation(override, scope).trimEnd() !== comment.body.trimEnd()) return null;
    return override;
  }

  /** Overrides recorded by the bot in this merge request (`scope`, its key) for this head commit. */
  active(comments: ThreadComment[], headSha: string, scope: string, log?: Log): Override[] {
    return comments.flatMap((c) => {
      const override = this.read(c, scope, log);
      return override && override.sha === headSha ? [override] : [];
    });
  }
}

/** One spelling per override (keys in a fixed order), so a confirmation can be written again exactly. */
function encode(o: Override): string {
  const canonical = { rule: o.rule, ...(o.resource !== undefined ? { resource: o.resource } : {}), sha: o.sha, by: o.by, reason: o.reason, at: o.at };
  return Buffer.from(JSON.stringify(canonical)).toString('base64url');
}

function decode(payload: string): Override | null {
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Override>;
    if (typeof value.rule !== 'string' || typeof value.sha !== 'string' || typeof value.by !== 'string' || typeof value.reason !== 'string' || typeof value.at !== 'string') return null;
    return { rule: value.rule, ...(typeof value.resource === 'string' ? { resource: value.resource } : {}), sha: value.sha, by: value.by, reason: value.reason, at: value.at };
  } catch {
    return null;
  }
}
