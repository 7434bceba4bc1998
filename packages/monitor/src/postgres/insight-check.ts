import type { Finding } from '../finding';
import type { InsightThresholds } from './thresholds';

/** One insight check: a read-only query and how its rows become findings (the rows are kept as its data too). */
export interface InsightCheck {
  name: string;
  /** The query; thresholds are numbers, written into it as literals. */
  sql(thresholds: InsightThresholds): string;
  findings(rows: Array<Record<string, unknown>>, thresholds: InsightThresholds): Finding[];
  /** Turns an expected failure (a missing extension) into an answer; undefined leaves it a failure. */
  answerError?(message: string): Finding[] | undefined;
}

/** A column as a number (PostgreSQL's bigint and numeric arrive as strings). */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** A column as a string. */
export function str(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}
