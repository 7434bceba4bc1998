/** Pinecone's upsert limit: 1,000 records per request. */
export const MAX_BATCH_RECORDS = 1_000;
/** Pinecone's upsert limit: 2 MB per request. */
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

/** Splits records into requests within both limits (sizes measured as the JSON Pinecone receives). */
export function upsertBatches<T>(records: T[], maxRecords = MAX_BATCH_RECORDS, maxBytes = MAX_BATCH_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  // Room for the request envelope ({"vectors":[...],"namespace":"..."}).
  const budget = maxBytes - 1024;
  for (const record of records) {
    const size = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (current.length > 0 && (current.length === maxRecords || bytes + size > budget)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Splits a list into chunks of `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
