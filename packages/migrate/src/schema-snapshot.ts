/** The parts of a schema that a down migration must restore, each as sorted, comparable lines. */
export interface SchemaSnapshot {
  tables: string[];
  columns: string[];
  indexes: string[];
  constraints: string[];
}

/** Lines present in one snapshot and not the other, per part; empty when they match. */
export function diffSnapshots(expected: SchemaSnapshot, actual: SchemaSnapshot): string[] {
  const lines: string[] = [];
  for (const part of ['tables', 'columns', 'indexes', 'constraints'] as const) {
    const want = new Set(expected[part]);
    const got = new Set(actual[part]);
    for (const line of want) if (!got.has(line)) lines.push(`- ${part}: ${line}`);
    for (const line of got) if (!want.has(line)) lines.push(`+ ${part}: ${line}`);
  }
  return lines;
}
