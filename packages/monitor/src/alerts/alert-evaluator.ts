import type { Registry } from 'prom-client';
import { InvalidOptionsError } from '../errors';
import type { AlertRule, AlertRuleGroup } from './alert-rules';
import { evaluate } from './evaluate';
import { parseDuration, parseExpression } from './expression';
import type { Expr } from './expression';
import { SampleStore, seriesKey } from './sample-store';

/** One alert instance (a rule and one label set) and where it is in its life. */
export interface ActiveAlert {
  alert: string;
  state: 'pending' | 'firing';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number;
  /** When the condition started to hold. */
  activeAt: string;
  /** When it started firing (after `for`). */
  firedAt?: string;
}

/** What a notification carries (Alertmanager's webhook shape, one alert per message). */
export interface AlertNotification {
  status: 'firing' | 'resolved';
  alerts: Array<{ status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt?: string; value: number }>;
}

/** Options of `AlertEvaluator`. */
export interface AlertEvaluatorOptions {
  groups: AlertRuleGroup[];
  /** How often the rules are evaluated (default 15 s). */
  intervalMs?: number;
  /** Where firing and resolved alerts are POSTed (Alertmanager's webhook JSON). */
  webhookUrl?: string;
  /** Deadline of a webhook call (default 5 s); a failed call is logged, never thrown. */
  webhookTimeoutMs?: number;
  /** Where notifications and webhook failures are logged (default: nothing). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

interface CompiledRule {
  rule: AlertRule;
  expr: Expr;
  forMs: number;
  longestRangeMs: number;
}

function longestRange(expr: Expr): number {
  switch (expr.kind) {
    case 'selector':
      return expr.rangeMs ?? 0;
    case 'call':
      return expr.arg.rangeMs ?? 0;
    case 'aggregate':
      return longestRange(expr.arg);
    case 'binary':
      return Math.max(longestRange(expr.left), longestRange(expr.right));
    default:
      return 0;
  }
}

function template(text: string, labels: Record<string, string>, value: number): string {
  return text.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '').replace(/\{\{\s*\$value\s*\}\}/g, String(value));
}

/**
 * Evaluates alert rules in this process over a prom-client registry, as Prometheus would over its scrapes:
 * each tick reads the registry, evaluates every rule (a PromQL subset: see `parseExpression`), moves each
 * alert instance inactive → pending → firing (after `for`) → resolved, and notifies the webhook and the log
 * on firing and on resolving — once each. `alerts()` is the current state as JSON. Rules outside the subset
 * are refused when the evaluator is built.
 */
export class AlertEvaluator {
  private readonly rules: CompiledRule[];
  private readonly store: SampleStore;
  private readonly active = new Map<string, ActiveAlert>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    registry: Registry,
    private readonly options: AlertEvaluatorOptions,
  ) {
    this.rules = options.groups.flatMap((group) =>
      group.rules.map((rule) => {
        if (!rule.alert || !rule.expr) throw new InvalidOptionsError(`group ${group.name}: every rule needs alert and expr`);
        const expr = parseExpression(rule.expr, rule.alert);
        return { rule, expr, forMs: rule.for ? parseDuration(rule.for) : 0, longestRangeMs: longestRange(expr) };
      }),
    );
    const names = this.rules.map((r) => r.rule.alert);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new InvalidOptionsError(`alert ${duplicate} is defined twice`);
    const interval = options.intervalMs ?? 15_000;
    this.store = new SampleStore(registry, Math.max(0, ...this.rules.map((r) => r.longestRangeMs)) + interval);
  }

  /** Evaluates every interval (the first tick right away) until `stop`. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running ??= this.evaluateOnce().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs ?? 15_000);
    this.timer.unref();
  }

  /** Stops evaluating (after the tick in progress). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The pending and firing alerts, as JSON. */
  alerts(): ActiveAlert[] {
    return [...this.active.values()].map((alert) => ({ ...alert })).sort((a, b) => a.alert.localeCompare(b.alert));
  }

  /** One evaluation of every rule at `now`; resolves when its notifications were sent. */
  async evaluateOnce(now = Date.now()): Promise<void> {
    await this.store.scrape(now);
    const notifications: AlertNotification['alerts'] = [];
    for (const { rule, expr, forMs } of this.rules) {
      const result = evaluate(expr, this.store, now);
      const samples = result.kind === 'vector' ? result.samples : result.value !== 0 ? [{ labels: {}, value: result.value }] : [];
      const seen = new Set<string>();
      for (const sample of samples) {
        const labels = { alertname: rule.alert, ...sample.labels, ...(rule.labels ?? {}) };
        const key = seriesKey(rule.alert, labels);
        seen.add(key);
        const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, template(String(v), labels, sample.value)]));
        const existing = this.active.get(key);
        const alert: ActiveAlert = existing ?? { alert: rule.alert, state: 'pending', labels, annotations, value: sample.value, activeAt: new Date(now).toISOString() };
        alert.value = sample.value;
        alert.annotations = annotations;
        if (alert.state === 'pending' && now - Date.parse(alert.activeAt) >= forMs) {
          alert.state = 'firing';
          alert.firedAt = new Date(now).toISOString();
          notifications.push({ status: 'firing', labels, annotations, startsAt: alert.activeAt, value: sample.value });
        }
        this.active.set(key, alert);
      }
      for (const [key, alert] of this.active) {
        if (alert.alert !== rule.alert || seen.has(key)) continue;
        this.active.delete(key);
        if (alert.state === 'firing') notifications.push({ status: 'resolved', labels: alert.labels, annotations: alert.annotations, startsAt: alert.activeAt, endsAt: new Date(now).toISOString(), value: alert.value });
      }
    }
    for (const notification of notifications) await this.notify({ status: notification.status, alerts: [notification] });
  }

  private async notify(message: AlertNotification): Promise<void> {
    const alert = message.alerts[0]!;
    this.options.log?.(`alert ${alert.labels.alertname} ${message.status}`, { labels: alert.labels, annotations: alert.annotations, value: alert.value });
    if (!this.options.webhookUrl) return;
    try {
      const response = await fetch(this.options.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(this.options.webhookTimeoutMs ?? 5000) });
      if (!response.ok) this.options.log?.('alert webhook refused the notification', { status: response.status });
    } catch (error) {
      this.options.log?.('alert webhook failed', { error: (error as Error).message });
    }
  }
}
