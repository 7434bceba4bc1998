import { analyzeCosts } from '../src';

const GIB = 1024 ** 3;
const now = new Date('2026-11-23T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe('analyzeCosts', () => {
  it('computes the current cost and recommends classes by idle time (hand-computed)', () => {
    const report = analyzeCosts(
      's3',
      [
        { key: 'hot', size: 10 * GIB, storageClass: 'STANDARD', lastAccess: daysAgo(2) },
        { key: 'warm', size: 10 * GIB, storageClass: 'STANDARD', lastAccess: daysAgo(45) },
        { key: 'cold', size: 100 * GIB, storageClass: undefined, lastAccess: daysAgo(200) },
        { key: 'tiny', size: 64 * 1024, storageClass: 'STANDARD', lastAccess: daysAgo(400) },
      ],
      { now },
    );
    // current: (10 + 10 + 100) GiB × 0.023 + tiny ≈ 2.76
    expect(report.currentMonthlyCost).toBeCloseTo(120 * 0.023 + (64 * 1024 * 0.023) / GIB, 6);
    expect(report.recommendations).toEqual([
      { key: 'cold', currentClass: 'STANDARD', recommendedClass: 'GLACIER', monthlySavings: expect.closeTo(100 * (0.023 - 0.004), 6) },
      { key: 'warm', currentClass: 'STANDARD', recommendedClass: 'STANDARD_IA', monthlySavings: expect.closeTo(10 * (0.023 - 0.0125), 6) },
    ]);
    expect(report.monthlySavings).toBeCloseTo(1.9 + 0.105, 6);
  });

  it('respects minimum billed durations: Azure Archive only after 180 idle days', () => {
    const objects = [{ key: 'a', size: GIB, storageClass: 'Hot', lastAccess: daysAgo(120) }];
    expect(analyzeCosts('azure', objects, { now }).recommendations[0]?.recommendedClass).toBe('Cool');
    expect(analyzeCosts('azure', [{ ...objects[0]!, lastAccess: daysAgo(181) }], { now }).recommendations[0]?.recommendedClass).toBe('Archive');
  });

  it('takes a price table and refuses unknown providers or classes', () => {
    const prices = { s3: { STANDARD: 0.02, STANDARD_IA: 0.01, GLACIER: 0.002 } };
    expect(analyzeCosts('s3', [{ key: 'x', size: GIB, storageClass: 'STANDARD', lastAccess: now }], { prices, now }).currentMonthlyCost).toBeCloseTo(0.02, 9);
    expect(() => analyzeCosts('oracle', [], { now })).toThrow(/no prices for provider "oracle"/);
    expect(() => analyzeCosts('s3', [{ key: 'x', size: 1, storageClass: 'FROZEN', lastAccess: now }], { now })).toThrow(/storage class "FROZEN"/);
  });
});
