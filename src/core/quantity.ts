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

const EXACT_SUFFIX: Record<string, [bigint, bigint]> = {
  // [multiplier, divisor] in nano units: value × 1e9 × multiplier / divisor
  Ki: [2n ** 10n, 1n], Mi: [2n ** 20n, 1n], Gi: [2n ** 30n, 1n], Ti: [2n ** 40n, 1n], Pi: [2n ** 50n, 1n], Ei: [2n ** 60n, 1n],
  n: [1n, 10n ** 9n], u: [1n, 10n ** 6n], m: [1n, 10n ** 3n], '': [1n, 1n], k: [10n ** 3n, 1n], M: [10n ** 6n, 1n], G: [10n ** 9n, 1n], T: [10n ** 12n, 1n], P: [10n ** 15n, 1n], E: [10n ** 18n, 1n],
};

/** A quantity exactly, in nano units (1 = 10⁻⁹), as Kubernetes compares them; null when it is not a quantity. */
export function quantityNano(value: string): bigint | null {
  const match = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(value.trim());
  if (!match) return null;
  const [, sign, whole, fraction = '', exponent = '0', suffix = ''] = match;
  const [multiplier, divisor] = EXACT_SUFFIX[suffix]!;
  let digits = BigInt(whole! + fraction) * 10n ** 9n * multiplier;
  let scale = BigInt(fraction.length) - BigInt(exponent);
  if (scale < 0n) {
    digits *= 10n ** -scale;
    scale = 0n;
  }
  const nano = digits / (10n ** scale * divisor);
  return sign === '-' ? -nano : nano;
}
