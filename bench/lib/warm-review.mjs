// Two reviews in one process, as the server does them: (a), then the push on top of it.
// Prints {"first": seconds, "second": seconds}. Usage: warm-review.mjs REPO BASE FIRST SECOND
import { runReview } from '../../dist/review.js';

const [repo, base, first, second] = process.argv.slice(2);
const time = async (head) => {
  const start = performance.now();
  await runReview({ repo, base, head });
  return (performance.now() - start) / 1000;
};
console.log(JSON.stringify({ first: await time(first), second: await time(second) }));
