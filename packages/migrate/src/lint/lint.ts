import type { Dialect, Migration } from '../migration';
import { splitStatements } from '../sql-statements';
import { RULES, type LintRule, type Severity } from './rules';

/** One finding. */
export interface LintFinding {
  migration: string;
  file: string;
  rule: string;
  severity: Exclude<Severity, 'off'>;
  statement: string;
  message: string;
  suggestion: string;
}

/** Options of `lintMigrations`. */
export interface LintOptions {
  dialect: Dialect;
  /** Per-rule severity overrides: `{ 'drop-table': 'warn', rename: 'off' }`. */
  rules?: Record<string, Severity>;
}

const DISABLE = /--\s*lint:disable\s+([\w\s,-]+)/g;

/**
 * Checks the up section of each SQL migration against the rules. A migration can silence a rule for
 * itself with a comment `-- lint:disable drop-table` (after review). Module migrations are not
 * linted: their SQL is only known when they run (`plan` shows it).
 */
export function lintMigrations(migrations: Migration[], options: LintOptions): LintFinding[] {
  const unknown = Object.keys(options.rules ?? {}).filter((id) => !RULES.some((r) => r.id === id));
  if (unknown.length > 0) throw new RangeError(`unknown lint rule(s): ${unknown.join(', ')}; known: ${RULES.map((r) => r.id).join(', ')}`);
  const findings: LintFinding[] = [];
  for (const m of migrations) {
    if (!m.sql) continue;
    const disabled = new Set([...m.sql.up.matchAll(DISABLE)].flatMap((d) => d[1]!.split(/[\s,]+/).filter(Boolean)));
    for (const statement of splitStatements(m.sql.up)) {
      for (const rule of RULES) {
        const severity = severityOf(rule, options.rules);
        if (severity === 'off' || disabled.has(rule.id)) continue;
        if (!rule.matches({ statement, dialect: options.dialect, transaction: m.transaction })) continue;
        findings.push({
          migration: m.name,
          file: m.path,
          rule: rule.id,
          severity,
          statement: statement.replace(/\s+/g, ' ').slice(0, 160),
          message: rule.why,
          suggestion: rule.instead,
        });
      }
    }
  }
  return findings;
}

function severityOf(rule: LintRule, overrides: Record<string, Severity> | undefined): Severity {
  return overrides?.[rule.id] ?? rule.severity;
}
