import type { ColumnMetadata } from './query-guard';

/** One sort key of a keyset page. */
export interface SortKey {
  column: ColumnMetadata;
  descending: boolean;
}

/**
 * ORDER BY for a keyset page. Nullable keys say where NULLs go (last ascending, first descending:
 * PostgreSQL's defaults, so its indexes still serve the order; SQLite would put them first otherwise).
 */
export function orderBySql(order: SortKey[], quote: (id: string) => string): string {
  const terms = order.map(({ column, descending }) => {
    const nulls = column.isNullable ? (descending ? ' NULLS FIRST' : ' NULLS LAST') : '';
    return `${quote(column.databaseName)} ${descending ? 'DESC' : 'ASC'}${nulls}`;
  });
  return ` ORDER BY ${terms.join(', ')}`;
}

/**
 * The condition "after the row whose sort keys were `after`". Without nullable keys it is one row
 * comparison (`(a, id) > ($1, $2)`, which an index serves); with them it is the lexicographic
 * expansion, because a comparison with NULL is never true and would drop those rows.
 */
export function afterCondition(order: SortKey[], after: unknown[], quote: (id: string) => string, param: (value: unknown) => string): string {
  const names = order.map((o) => quote(o.column.databaseName));
  const descending = order[0]!.descending;
  if (!order.some((o) => o.column.isNullable)) {
    return `(${names.join(', ')}) ${descending ? '<' : '>'} (${after.map(param).join(', ')})`;
  }
  const equal = (i: number) => (after[i] === null ? `${names[i]} IS NULL` : `${names[i]} = ${param(after[i])}`);
  const beyond = (i: number): string | undefined => {
    const name = names[i]!;
    const value = after[i];
    if (descending) return value === null ? `${name} IS NOT NULL` : `${name} < ${param(value)}`;
    if (value === null) return undefined; // NULLs come last: nothing is beyond one
    return order[i]!.column.isNullable ? `(${name} > ${param(value)} OR ${name} IS NULL)` : `${name} > ${param(value)}`;
  };
  const alternatives: string[] = [];
  for (let i = 0; i < order.length; i++) {
    if (!descending && after[i] === null) continue; // NULLs come last: nothing is beyond one
    // Parameters are taken in the order they appear in the text (SQLite's `?` are positional).
    const prefix = Array.from({ length: i }, (_, j) => equal(j));
    alternatives.push([...prefix, beyond(i)!].join(' AND '));
  }
  return alternatives.length === 0 ? 'FALSE' : `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}
