/** What the insight needs of a PostgreSQL client: `pg`'s `Pool` and `Client` both fit (multi-statement text returns one result per statement). */
export interface SqlClient {
  query(text: string): Promise<QueryResultLike | QueryResultLike[]>;
}

/** The part of a query result the insight reads. */
export interface QueryResultLike {
  rows: Array<Record<string, unknown>>;
}
