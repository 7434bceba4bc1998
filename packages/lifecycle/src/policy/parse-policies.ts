import { z } from 'zod';
import { InvalidPolicyError } from '../errors';
import { erasureSchema, policySchema } from './policy-schema';
import type { ErasureMap, Policy } from './policy-schema';

/** Path of a zod issue in the `a.b[2].c` form a config file's reader understands. */
function pathOf(prefix: string, path: PropertyKey[]): string {
  return path.reduce<string>((at, part) => (typeof part === 'number' ? `${at}[${part}]` : at ? `${at}.${String(part)}` : String(part)), prefix);
}

/** Validates a list of policies (unique names); throws `InvalidPolicyError` naming every bad field. */
export function parsePolicies(input: unknown, at = 'policies'): Policy[] {
  const parsed = z.array(policySchema).safeParse(input);
  if (!parsed.success) throw new InvalidPolicyError(parsed.error.issues.map((issue) => ({ path: pathOf(at, issue.path), message: issue.message })));
  const seen = new Map<string, number>();
  const problems: Array<{ path: string; message: string }> = [];
  parsed.data.forEach((policy, index) => {
    if (seen.has(policy.name)) problems.push({ path: `${at}[${index}].name`, message: `"${policy.name}" is already the name of ${at}[${seen.get(policy.name)}]` });
    seen.set(policy.name, index);
    if (policy.kind !== 'objects' && policy.batch) {
      const { min = 1, max = 100_000, initial } = policy.batch;
      if (min > max) problems.push({ path: `${at}[${index}].batch.min`, message: `must not exceed batch.max (${max})` });
      if (initial !== undefined && (initial < min || initial > max)) problems.push({ path: `${at}[${index}].batch.initial`, message: `must lie between batch.min and batch.max` });
    }
  });
  if (problems.length > 0) throw new InvalidPolicyError(problems);
  return parsed.data;
}

/** Validates one policy; throws `InvalidPolicyError` naming every bad field (paths start at the policy). */
export function parsePolicy(input: unknown): Policy {
  try {
    return parsePolicies([input], '').at(0)!;
  } catch (error) {
    if (!(error instanceof InvalidPolicyError)) throw error;
    throw new InvalidPolicyError(error.problems.map((p) => ({ ...p, path: p.path.replace(/^\[0\]\.?/, '') })));
  }
}

/** Validates an erasure map; throws `InvalidPolicyError` naming every bad field. */
export function parseErasureMap(input: unknown, at = 'erasure'): ErasureMap {
  const parsed = erasureSchema.safeParse(input);
  if (!parsed.success) throw new InvalidPolicyError(parsed.error.issues.map((issue) => ({ path: pathOf(at, issue.path), message: issue.message })));
  return parsed.data;
}
