import type { ObjectPolicy } from '../policy/policy-schema';
import { providerRules } from './run-objects';

/** One difference between the declared object policies and the rules a provider has applied. */
export interface DriftEntry {
  rule: string;
  /** `missing`: declared, not applied; `extra`: applied, not declared; `changed`: both, but different. */
  problem: 'missing' | 'extra' | 'changed';
  declared: Record<string, unknown> | undefined;
  applied: Record<string, unknown> | undefined;
}

/** JSON with keys sorted, so two rule documents compare by content rather than key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/**
 * Compares declared object policies with the rules applied on the provider (the `Rules` of S3's
 * GetBucketLifecycleConfiguration, or the `rules` of an Azure management policy).
 */
export function lifecycleDrift(target: 's3' | 'azure', policies: ObjectPolicy[], applied: Array<Record<string, unknown>>): DriftEntry[] {
  const document = providerRules(target, policies);
  const declared = 'Rules' in document ? document.Rules : document.rules;
  const idOf = (rule: Record<string, unknown>) => String(target === 's3' ? rule.ID : rule.name);
  const byId = new Map(applied.map((rule) => [idOf(rule), rule]));
  const drift: DriftEntry[] = [];
  for (const rule of declared) {
    const current = byId.get(idOf(rule));
    byId.delete(idOf(rule));
    if (!current) drift.push({ rule: idOf(rule), problem: 'missing', declared: rule, applied: undefined });
    else if (canonical(current) !== canonical(rule)) drift.push({ rule: idOf(rule), problem: 'changed', declared: rule, applied: current });
  }
  for (const [id, rule] of byId) drift.push({ rule: id, problem: 'extra', declared: undefined, applied: rule });
  return drift;
}
