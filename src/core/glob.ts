// Globs of the config (policies.exclude, diff.ignore), compiled once each.
import picomatch from 'picomatch';

// Bounded: a server reads the configs of many repositories.
const MAX_MATCHERS = 1_000;
const matcherCache = new Map<string, (value: string) => boolean>();

export function glob(pattern: string): (value: string) => boolean {
  let matcher = matcherCache.get(pattern);
  if (!matcher) {
    matcher = picomatch(pattern, { dot: true });
    if (matcherCache.size >= MAX_MATCHERS) matcherCache.clear();
    matcherCache.set(pattern, matcher);
  }
  return matcher;
}
