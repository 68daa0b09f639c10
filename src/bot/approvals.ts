// The approvals a change needs, as the platform answers them: who approved the
// head commit, and whether each of them is one a `reviews:` entry requires
// (a named user, or a member of a team or group, asked through the platform).
import { isAllowed, type Principal } from '../commands/authorize.js';
import type { RoutedReview } from '../core/model.js';
import { reviewReason } from '../report/markdown.js';
import { escapeText } from '../report/markdown-text.js';
import type { StatusReport } from '../report/status.js';
import type { MergeRequestSession } from './session.js';

export const APPROVALS_CHECK = 'safe-deploy/approvals';
const MAX_LINES = 20;

/** A principal asking the platform once per group: entries often require the same team. */
function remembered(principal: Principal): Principal {
  const groups = new Map<string, Promise<boolean>>();
  return {
    username: principal.username,
    role: () => principal.role(),
    memberOf: (group) => {
      const key = group.toLowerCase();
      if (!groups.has(key)) groups.set(key, principal.memberOf(group));
      return groups.get(key)!;
    },
  };
}

/** Each required review with who of its reviewers approved `headSha`. */
export async function approvalState(session: MergeRequestSession, reviews: RoutedReview[], headSha: string): Promise<RoutedReview[]> {
  if (!reviews.length) return [];
  const approvers = (await session.approvers(headSha)).map((actor) => remembered(session.principal(actor)));
  return Promise.all(
    reviews.map(async (review) => {
      const approvedBy: string[] = [];
      for (const approver of approvers) if (await isAllowed(approver, review.require)) approvedBy.push(approver.username);
      return { ...review, approvedBy, satisfied: approvedBy.length > 0 };
    }),
  );
}

/** The approvals check: failing while any required review is open. */
export function approvalsReport(reviews: RoutedReview[]): StatusReport {
  const open = reviews.filter((r) => !r.satisfied);
  if (!reviews.length) return { state: 'success', title: 'No approval required', summary: 'Nothing in this change calls for a review of the `reviews:` in `.safe-deploy.yml`.' };
  // Object names come from the merge request: escaped, like everywhere in Markdown.
  const line = (r: RoutedReview) =>
    `- ${r.satisfied ? '✅' : '⏳'} ${escapeText(r.name)}: ${r.satisfied ? `approved by ${r.approvedBy!.map((u) => `@${u}`).join(', ')}` : `needs ${r.require.join(' or ')}`} (${r.because.map(reviewReason).join('; ')})`;
  // Open entries first; a bounded list stays within the platform's summary limit.
  const listed = [...open, ...reviews.filter((r) => r.satisfied)].slice(0, MAX_LINES);
  const more = reviews.length - listed.length;
  return {
    state: open.length ? 'failure' : 'success',
    title: open.length ? `Waiting for ${open.length} of ${reviews.length} required review${reviews.length === 1 ? '' : 's'}` : `All ${reviews.length} required review${reviews.length === 1 ? '' : 's'} approved`,
    summary: [...listed.map(line), ...(more ? [`- …and ${more} more`] : []), '', 'Only an approval of this head commit counts.'].join('\n'),
  };
}
