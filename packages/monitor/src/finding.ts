/** How urgent a finding is. */
export type Severity = 'info' | 'warning' | 'critical';

/** One piece of advice: what was found, why it matters, and the SQL that would fix it (never run by the monitor). */
export interface Finding {
  /** The check that produced it (`unused-indexes`, `blocked-queries` …). */
  check: string;
  severity: Severity;
  /** What it is about: `public.orders_user_id_idx`, `pid 4242`. */
  subject: string;
  message: string;
  advice: string;
  /** The statement that would fix it, for a human to review and run. */
  fix?: string;
  details: Record<string, unknown>;
}

/** Quotes an identifier for the fix SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, quoted. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
