import { parse } from 'yaml';
import { checkRules } from '@core/testing';
import { alertRulesYaml, defaultAlertRules } from '../src';

describe('default alert rules (Prometheus rule-file form)', () => {
  it('promtool check rules accepts the exported file', () => {
    const result = checkRules(alertRulesYaml());
    const count = defaultAlertRules().reduce((sum, group) => sum + group.rules.length, 0);
    expect(result).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${count} rules found`) });
  });

  it('holds the seed\'s three rules with their thresholds and durations', () => {
    const rules = (parse(alertRulesYaml()) as { groups: Array<{ rules: Array<{ alert: string; expr: string; for?: string }> }> }).groups.flatMap((g) => g.rules);
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alert: 'PostgresPoolSaturated', expr: 'core_repo_pool_utilisation_ratio > 0.8', for: '5m' }),
        expect.objectContaining({ alert: 'PostgresSlowQueries', expr: expect.stringContaining('> 10'), for: '2m' }),
        expect.objectContaining({ alert: 'PostgresReplicationLag', expr: 'pg_replication_lag_seconds > 30', for: '1m' }),
      ]),
    );
  });

  it('a broken rule is caught by promtool (the check can fail)', () => {
    const broken = alertRulesYaml([{ name: 'broken', rules: [{ alert: 'Broken', expr: 'sum(pg_up' }] }]);
    expect(checkRules(broken).status).not.toBe(0);
  });
});
