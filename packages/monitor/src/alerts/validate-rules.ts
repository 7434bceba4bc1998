import { InvalidRulesError, MonitorError } from '../errors';
import type { AlertRuleGroup } from './alert-rules';
import { parseDuration, parseExpression } from './expression';

const GROUP_KEYS = new Set(['name', 'interval', 'rules']);
const RULE_KEYS = new Set(['alert', 'expr', 'for', 'labels', 'annotations']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringMap = (value: unknown): value is Record<string, string> => isObject(value) && Object.values(value).every((v) => typeof v === 'string');

/**
 * Checks rule groups written by users in Prometheus's rule-file form (`groups: [{ name, rules: [{ alert, expr,
 * for, labels, annotations }] }]`) before anything evaluates them: shapes, unknown keys, durations, each `expr`
 * in the PromQL subset the in-process evaluator runs, and alert names unique among themselves and `taken`
 * (the default rules'). Every problem is reported with its path under `at`; returns the groups typed.
 */
export function validateAlertRules(raw: unknown, at = 'groups', taken: readonly string[] = []): AlertRuleGroup[] {
  const problems: Array<{ path: string; message: string }> = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const names = new Set(taken);
  if (!Array.isArray(raw)) throw new InvalidRulesError([{ path: at, message: 'expected a list of rule groups' }]);
  raw.forEach((group: unknown, g) => {
    const gPath = `${at}[${g}]`;
    if (!isObject(group)) return problem(gPath, 'expected a group { name, rules }');
    for (const key of Object.keys(group)) if (!GROUP_KEYS.has(key)) problem(`${gPath}.${key}`, 'unknown key; expected name, interval or rules');
    if (typeof group.name !== 'string' || group.name === '') problem(`${gPath}.name`, 'expected a group name');
    if (group.interval !== undefined) checkDuration(group.interval, `${gPath}.interval`, problem);
    if (!Array.isArray(group.rules) || group.rules.length === 0) return problem(`${gPath}.rules`, 'expected a non-empty list of rules');
    group.rules.forEach((rule: unknown, r) => {
      const rPath = `${gPath}.rules[${r}]`;
      if (!isObject(rule)) return problem(rPath, 'expected a rule { alert, expr, for?, labels?, annotations? }');
      for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) problem(`${rPath}.${key}`, key === 'record' ? 'recording rules are not evaluated here; only alerting rules' : 'unknown key; expected alert, expr, for, labels or annotations');
      if (typeof rule.alert !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(rule.alert)) problem(`${rPath}.alert`, 'expected an alert name (letters, digits, _)');
      else if (names.has(rule.alert)) problem(`${rPath}.alert`, `${rule.alert} is defined twice`);
      else names.add(rule.alert);
      if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problem(`${rPath}.expr`, 'expected a PromQL expression');
      else {
        try {
          parseExpression(rule.expr, String(rule.alert));
        } catch (error) {
          if (!(error instanceof MonitorError)) throw error;
          problem(`${rPath}.expr`, error.message);
        }
      }
      if (rule.for !== undefined) checkDuration(rule.for, `${rPath}.for`, problem);
      if (rule.labels !== undefined && !isStringMap(rule.labels)) problem(`${rPath}.labels`, 'expected a map of strings');
      if (rule.annotations !== undefined && !(isStringMap(rule.annotations) && typeof rule.annotations.summary === 'string')) problem(`${rPath}.annotations`, 'expected a map of strings with a summary');
    });
  });
  if (problems.length > 0) throw new InvalidRulesError(problems);
  return raw as AlertRuleGroup[];
}

function checkDuration(value: unknown, path: string, problem: (path: string, message: string) => void): void {
  try {
    if (typeof value !== 'string') throw new Error();
    parseDuration(value);
  } catch {
    problem(path, 'expected a duration like 30s, 5m or 1h');
  }
}
