// The one command context of a merge request, for every platform: what the
// slash-command handlers may ask, made of the session and the bot's own parts.
import type { CommandContext } from '../commands/handle.js';
import { atLeast, type Principal, type Role } from '../commands/authorize.js';
import { UserError } from '../errors.js';
import type { Log } from '../util/log.js';
import { awaitsMaintainer, baseConfigOf, codeDir, headReviewed, reviewRequestOf, type JobDeps } from './review-job.js';
import type { Actor, CommentId, MergeRequestSession } from './session.js';
import { inProcessReviewer } from '../reviewer/index.js';

/** The platform's answer about a user; a failed look-up is logged and grants nothing. */
function guardedPrincipal(session: MergeRequestSession, actor: Actor, log: Log): Principal {
  const asked = session.principal(actor);
  let role: Promise<Role> | null = null;
  const denied = <T>(what: string, fallback: T) => (error: unknown) => {
    log.warn({ err: error, user: actor.username, mergeRequest: session.key }, `cannot read the ${what} of a user`);
    return fallback;
  };
  return {
    username: actor.username,
    role: () => (role ??= asked.role().catch(denied('role', 'none' as Role))),
    memberOf: (group) => asked.memberOf(group).catch(denied('groups', false)),
  };
}

export function commandContext(
  session: MergeRequestSession,
  comment: { id: CommentId; author: Actor },
  deps: JobDeps,
  /** The full review job of the merge request, as its newest review. */
  rerun: () => Promise<unknown>,
): CommandContext {
  const { records, log } = deps;
  const principal = guardedPrincipal(session, comment.author, log);
  return {
    principal,
    headSha: session.headSha,
    // The head the event named may be stale by now: the platform says what it is.
    currentHead: async () => (await session.code()).headSha,
    records,
    mergeRequest: session.key,
    commentLimit: session.commentLimit,
    reply: (body) => session.createComment(body),
    react: (reaction) => session.react(comment.id, reaction),
    baseConfig: async () => baseConfigOf(session, (await session.code()).baseSha),
    comments: () => session.listComments(),
    // Asked like the posted review (repoURLs, target branch), so a reply scopes targets as the review it answers.
    review: async (targets) => {
      const code = await session.code();
      // A fork's head waiting for a maintainer is rendered for nobody else before a review of it exists.
      if ((await awaitsMaintainer(session, code.baseSha)) && !atLeast(await principal.role(), 'write') && !(await headReviewed(session, code.headSha))) {
        throw new UserError(`this fork's head ${code.headSha.slice(0, 12)} waits for a maintainer's /safe-deploy rerun; nothing of it is rendered before`);
      }
      const repo = await codeDir(code, deps.mirrors);
      const overrides = records.active(await session.listComments(), code.headSha, session.key, log);
      return (deps.reviewer ?? inProcessReviewer).review(reviewRequestOf(code, repo, deps, targets), overrides);
    },
    rerun: async () => {
      await rerun();
    },
    log,
  };
}
