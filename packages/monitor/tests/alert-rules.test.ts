import { parse } from 'yaml';
import { checkRules } from '@core/testing';
import { alertRulesYaml, defaultAlertRules, InvalidRulesError, validateAlertRules } from '../src';

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

describe('user rules in the rule-file form', () => {
  const taken = defaultAlertRules().flatMap((g) => g.rules.map((r) => r.alert));

  it('accepts well-formed groups, which export with the defaults to a file promtool accepts', () => {
    const groups = validateAlertRules([{ name: 'team', rules: [{ alert: 'OrdersBacklog', expr: 'core_job_next_run_timestamp_seconds{job="backup-database"} - time() > 7200', for: '10m', labels: { severity: 'warning' }, annotations: { summary: 'backups are not scheduled' } }] }], 'alerts.groups', taken);
    expect(groups[0]!.rules[0]!.alert).toBe('OrdersBacklog');
    expect(checkRules(alertRulesYaml([...defaultAlertRules(), ...groups]))).toMatchObject({ status: 0 });
  });

  it('names the path of every problem: shape, unknown keys, durations, expressions the evaluator cannot run, names taken', () => {
    const bad = [
      { name: 'team', rules: [{ alert: 'PostgresDown', expr: 'pg_up == 0' }, { alert: 'Broken', expr: 'sum(pg_up', for: 'soon' }, { record: 'x:y', expr: 'up' }] },
      { rules: [] },
      'nope',
    ];
    let error: unknown;
    try {
      validateAlertRules(bad, 'alerts.groups', taken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRulesError);
    expect((error as InvalidRulesError).code).toBe('MONITOR_INVALID_RULES');
    expect((error as InvalidRulesError).problems.map((p) => p.path)).toEqual([
      'alerts.groups[0].rules[0].alert',
      'alerts.groups[0].rules[1].expr',
      'alerts.groups[0].rules[1].for',
      'alerts.groups[0].rules[2].record',
      'alerts.groups[0].rules[2].alert',
      'alerts.groups[1].name',
      'alerts.groups[1].rules',
      'alerts.groups[2]',
    ]);
    expect(() => validateAlertRules({ groups: [] })).toThrow(/groups: expected a list of rule groups/);
  });
});
