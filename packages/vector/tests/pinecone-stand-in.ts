// A LOCAL STAND-IN for Pinecone's data plane, for tests only: no Pinecone service can run here. It
// serves the documented REST routes the official client calls (upsert, query, fetch, update, delete,
// list, describe_index_stats) over an in-memory, brute-force index with one dimension and metric, like
// a serverless index (which rejects delete-by-metadata). It records every request and can be told to
// fail the next ones with a status, to exercise retries. Filters are evaluated with this package's
// filter compiler, which implements Pinecone's documented operator semantics.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileFilter, type Filter } from '../src/filter';

type PineconeMetric = 'cosine' | 'euclidean' | 'dotproduct';
interface Row {
  id: string;
  values: number[];
  metadata?: Record<string, unknown>;
}

/** A request the stand-in received. */
export interface SeenRequest {
  method: string;
  path: string;
  body: unknown;
  bytes: number;
}

/** Handle of a running stand-in index. */
export interface PineconeStandIn {
  host: string;
  requests: SeenRequest[];
  /** Answer the next `count` requests with `status` (e.g. 429, 503). */
  failNext(status: number, count?: number): void;
  stop(): Promise<void>;
}

/** Starts a stand-in index with the given dimension and metric on a free port. */
export async function startPineconeStandIn(dimension: number, metric: PineconeMetric): Promise<PineconeStandIn> {
  const namespaces = new Map<string, Map<string, Row>>();
  const requests: SeenRequest[] = [];
  const failures: number[] = [];
  const ns = (name: unknown) => {
    const key = typeof name === 'string' ? name : '';
    if (!namespaces.has(key)) namespaces.set(key, new Map());
    return namespaces.get(key)!;
  };

  const routes: Record<string, (body: Record<string, unknown>, query: URLSearchParams) => [number, unknown]> = {
    'POST /vectors/upsert': (body) => {
      const vectors = body.vectors as Row[];
      if (vectors.length > 1000) return [400, { error: { code: 'INVALID_ARGUMENT', message: 'batch size exceeds 1000' } }];
      for (const v of vectors) {
        if (v.values.length !== dimension) return [400, { error: { message: `Vector dimension ${v.values.length} does not match the dimension of the index ${dimension}` } }];
      }
      const target = ns(body.namespace);
      for (const v of vectors) target.set(v.id, { id: v.id, values: v.values, metadata: v.metadata });
      return [200, { upsertedCount: vectors.length }];
    },
    'POST /query': (body) => {
      const target = ns(body.namespace);
      const vector = (body.vector as number[] | undefined) ?? target.get(String(body.id))?.values;
      if (!vector) return [200, { matches: [], namespace: body.namespace ?? '' }];
      const predicate = compileFilter(body.filter as Filter | undefined);
      const scored = [...target.values()]
        .filter((r) => !predicate || predicate(r.metadata as never))
        .map((r) => ({ row: r, score: rawScore(metric, vector, r.values) }))
        .sort((a, b) => (metric === 'euclidean' ? a.score - b.score : b.score - a.score))
        .slice(0, Number(body.topK));
      return [
        200,
        {
          namespace: body.namespace ?? '',
          matches: scored.map(({ row, score }) => ({
            id: row.id,
            score,
            ...(body.includeValues ? { values: row.values } : {}),
            ...(body.includeMetadata ? { metadata: row.metadata } : {}),
          })),
        },
      ];
    },
    'GET /vectors/fetch': (_body, query) => {
      const target = ns(query.get('namespace'));
      const vectors: Record<string, Row> = {};
      for (const id of query.getAll('ids')) {
        const row = target.get(id);
        if (row) vectors[id] = row;
      }
      return [200, { vectors, namespace: query.get('namespace') ?? '' }];
    },
    'POST /vectors/update': (body) => {
      const row = ns(body.namespace).get(String(body.id));
      if (!row) return [404, { error: { message: 'not found' } }];
      if (body.values) row.values = body.values as number[];
      if (body.setMetadata) row.metadata = { ...row.metadata, ...(body.setMetadata as object) };
      return [200, {}];
    },
    'POST /vectors/delete': (body) => {
      if (body.filter) return [400, { error: { code: 'INVALID_ARGUMENT', message: 'Serverless and Starter indexes do not support deleting with metadata filtering' } }];
      const target = ns(body.namespace);
      if (body.deleteAll) target.clear();
      for (const id of (body.ids as string[] | undefined) ?? []) target.delete(id);
      return [200, {}];
    },
    'GET /vectors/list': (_body, query) => {
      const prefix = query.get('prefix') ?? '';
      const limit = Number(query.get('limit') ?? 100);
      const start = Number(query.get('paginationToken') ?? 0);
      const ids = [...ns(query.get('namespace')).keys()].filter((id) => id.startsWith(prefix)).sort();
      const page = ids.slice(start, start + limit);
      const next = start + limit < ids.length ? String(start + limit) : undefined;
      return [200, { vectors: page.map((id) => ({ id })), namespace: query.get('namespace') ?? '', ...(next ? { pagination: { next } } : {}) }];
    },
    'POST /describe_index_stats': () => {
      const summary: Record<string, { vectorCount: number }> = {};
      let total = 0;
      for (const [name, rows] of namespaces) {
        if (rows.size === 0) continue;
        summary[name] = { vectorCount: rows.size };
        total += rows.size;
      }
      return [200, { namespaces: summary, dimension, indexFullness: 0, totalVectorCount: total, metric }];
    },
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const raw = await readBody(req);
    const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    requests.push({ method: req.method ?? '', path: url.pathname, body, bytes: raw.length });
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (failures.length > 0) return reply(failures.shift()!, { error: { code: 'INJECTED', message: 'injected failure' } });
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return reply(404, { error: { message: `no route ${req.method} ${url.pathname}` } });
    const [status, payload] = route(body, url.searchParams);
    reply(status, payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Pinecone's scores: cosine similarity, dot product, or squared Euclidean distance. */
function rawScore(metric: PineconeMetric, a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
    sq += (a[i]! - b[i]!) ** 2;
  }
  if (metric === 'dotproduct') return dot;
  if (metric === 'euclidean') return sq;
  return dot / Math.sqrt(na * nb);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
