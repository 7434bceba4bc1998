/** Batches of NDJSON lines from records, ~1 MiB each (a source's export format). */
export async function* ndjson(records: AsyncIterable<unknown>, toLine: (record: unknown) => string = (r) => JSON.stringify(r)): AsyncGenerator<Buffer> {
  let batch: string[] = [];
  let bytes = 0;
  for await (const record of records) {
    const line = `${toLine(record)}\n`;
    batch.push(line);
    bytes += line.length;
    if (bytes >= 1024 * 1024) {
      yield Buffer.from(batch.join(''));
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield Buffer.from(batch.join(''));
}

/** Records parsed back from an NDJSON byte stream. */
export async function* parseNdjson<T>(bytes: AsyncIterable<Buffer | string>, parse: (line: string) => T = (line) => JSON.parse(line) as T): AsyncGenerator<T> {
  let rest = '';
  for await (const piece of bytes) {
    rest += piece.toString();
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line) yield parse(line);
  }
  if (rest) yield parse(rest);
}

/** A file-safe name for a namespace or collection ('' is `default`). */
export function fileNameOf(name: string): string {
  return name === '' ? 'default' : `n-${Buffer.from(name).toString('base64url')}`;
}

/** Reverses `fileNameOf`. */
export function nameOfFile(file: string): string {
  return file === 'default' ? '' : Buffer.from(file.slice(2), 'base64url').toString();
}
