// Kubernetes resource quantities ("10Gi", "500M", "1.5") as numbers, for comparison.
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The quantity's value, or null when it is not a quantity. */
export function parseQuantity(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const match = /^([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(value.trim());
  if (!match) return null;
  const exponent = match[2] ? 10 ** Number(match[2]) : 1;
  return Number(match[1]) * exponent * SUFFIX[match[3] ?? '']!;
}
