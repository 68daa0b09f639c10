/**
 * Stage timings on stderr when SAFE_DEPLOY_TRACE is set: where a slow review
 * spends its time. No output otherwise.
 */
export function tracer(label: string): (stage: string) => void {
  if (!process.env.SAFE_DEPLOY_TRACE) return () => undefined;
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    process.stderr.write(`safe-deploy trace ${label}: ${stage} ${(now - last).toFixed(0)} ms\n`);
    last = now;
  };
}
