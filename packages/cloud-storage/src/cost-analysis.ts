/** Monthly price per GiB of each storage class, per provider (USD). */
export type PriceTable = Record<string, Record<string, number>>;

/** Defaults from the seed write-up; pass your own negotiated prices. */
export const DEFAULT_PRICES: PriceTable = {
  s3: { STANDARD: 0.023, STANDARD_IA: 0.0125, GLACIER: 0.004 },
  azure: { Hot: 0.0184, Cool: 0.01, Archive: 0.00099 },
  gcs: { STANDARD: 0.02, NEARLINE: 0.01, COLDLINE: 0.004 },
};

/** Minimum days an object is billed for once in a class (deleting or moving earlier still pays them). */
export const MINIMUM_DAYS: Record<string, number> = {
  STANDARD_IA: 30, GLACIER: 90, Cool: 30, Archive: 180, NEARLINE: 30, COLDLINE: 90,
};

/** Objects smaller than this are not worth moving to an infrequent-access class (S3 bills them as 128 KiB). */
export const MIN_TRANSITION_BYTES = 128 * 1024;

/** One object as the analysis needs it. */
export interface CostInput {
  key: string;
  size: number;
  storageClass: string | undefined;
  /** Last access if known, else last modification. */
  lastAccess: Date;
}

/** A recommended move with its saving. */
export interface CostRecommendation {
  key: string;
  currentClass: string;
  recommendedClass: string;
  monthlySavings: number;
}

/** Result of `analyzeCosts`. */
export interface CostReport {
  provider: string;
  objects: number;
  currentMonthlyCost: number;
  optimizedMonthlyCost: number;
  monthlySavings: number;
  recommendations: CostRecommendation[];
}

const GIB = 1024 ** 3;
const DAY = 86_400_000;
const TIERS: Record<string, { standard: string; infrequent: string; archive: string }> = {
  s3: { standard: 'STANDARD', infrequent: 'STANDARD_IA', archive: 'GLACIER' },
  azure: { standard: 'Hot', infrequent: 'Cool', archive: 'Archive' },
  gcs: { standard: 'STANDARD', infrequent: 'NEARLINE', archive: 'COLDLINE' },
};

/**
 * Current monthly cost of a listing and the class each object should be in: idle for more than
 * 90 days → archive class, more than 30 → infrequent access. Objects under 128 KiB stay where they
 * are, and a class is only recommended once the object has been idle at least that class's minimum
 * billed duration (the guess being that it stays idle as long again).
 */
export function analyzeCosts(provider: string, objects: CostInput[], options: { prices?: PriceTable; now?: Date } = {}): CostReport {
  const prices = (options.prices ?? DEFAULT_PRICES)[provider];
  const tiers = TIERS[provider];
  if (!prices || !tiers) throw new RangeError(`no prices for provider "${provider}"; known: ${Object.keys(options.prices ?? DEFAULT_PRICES).join(', ')}`);
  const now = (options.now ?? new Date()).getTime();
  const priceOf = (cls: string) => {
    const price = prices[cls];
    if (price === undefined) throw new RangeError(`no ${provider} price for storage class "${cls}"`);
    return price;
  };
  let current = 0;
  let optimized = 0;
  const recommendations: CostRecommendation[] = [];
  for (const o of objects) {
    const cls = o.storageClass ?? tiers.standard;
    const gib = o.size / GIB;
    const cost = gib * priceOf(cls);
    current += cost;
    const idleDays = (now - o.lastAccess.getTime()) / DAY;
    let target = cls;
    if (o.size >= MIN_TRANSITION_BYTES) {
      if (idleDays > Math.max(90, MINIMUM_DAYS[tiers.archive] ?? 0)) target = tiers.archive;
      else if (idleDays > Math.max(30, MINIMUM_DAYS[tiers.infrequent] ?? 0)) target = tiers.infrequent;
    }
    const targetCost = gib * priceOf(target);
    if (target !== cls && targetCost < cost) {
      recommendations.push({ key: o.key, currentClass: cls, recommendedClass: target, monthlySavings: cost - targetCost });
      optimized += targetCost;
    } else optimized += cost;
  }
  return {
    provider,
    objects: objects.length,
    currentMonthlyCost: current,
    optimizedMonthlyCost: optimized,
    monthlySavings: current - optimized,
    recommendations: recommendations.sort((a, b) => b.monthlySavings - a.monthlySavings),
  };
}
