/**
 * Splits SQL text into statements at top-level semicolons, skipping those inside quotes, dollar
 * quotes and comments. Needed to run statements one by one outside a transaction: PostgreSQL runs a
 * multi-statement string as one implicit transaction, where `CREATE INDEX CONCURRENTLY` is refused.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      i = lineEnd(sql, i);
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'" || c === '"') {
      i = closing(sql, i, c);
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
      } else i++;
    } else if (c === ';') {
      push(statements, sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  push(statements, sql.slice(start));
  return statements;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf('\n', from);
  return end < 0 ? sql.length : end + 1;
}

function closing(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2; // doubled quote inside the literal
      else return i + 1;
    } else i++;
  }
  return i;
}

function push(statements: string[], text: string): void {
  const withoutComments = text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim();
  if (withoutComments.length > 0) statements.push(text.trim());
}
