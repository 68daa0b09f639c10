// The exit status of the CLI (DESIGN §4): 0 pass, 1 the verdict is fail, 2 the review could not run.
import type { ReviewOutcome } from '../bot/metrics.js';
import type { Review } from '../core/model.js';

export const EXIT_COULD_NOT_RUN = 2;

/** The exit status of a verdict (`review`, CI outside a merge request) or of a review job's outcome (CI on a merge request). */
export function exitStatus(result: Review['verdict'] | ReviewOutcome): 0 | 1 | 2 {
  if (result === 'fail') return 1;
  return result === 'error' ? EXIT_COULD_NOT_RUN : 0;
}
