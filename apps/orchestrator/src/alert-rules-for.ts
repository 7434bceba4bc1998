import { defaultAlertRules, type AlertRuleGroup } from '@core/monitor';
import type { Config } from './config/config';

/** The rules the orchestrator evaluates and `core monitor rules` prints: the defaults, then the config file's (validated at load). */
export function alertRulesFor(config: Config): AlertRuleGroup[] {
  return [...defaultAlertRules(), ...(config.file.alerts.groups as AlertRuleGroup[])];
}
