// Our side of the exporter benchmark, in its own process as the exporters are: an HTTP server whose
// /metrics is @core/monitor's PostgreSQL (or Redis) series over one pooled connection. Prints its port.
import { createServer } from 'node:http';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import { registerRedisMetrics } from '../src';
import { registerPostgresMetrics } from '../src/postgres';

const [kind, url] = process.argv.slice(2) as ['pg' | 'redis', string];
const registry = new Registry();
if (kind === 'pg') {
  const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'bench-ours', query_timeout: 5_000 });
  pool.on('error', () => undefined);
  registerPostgresMetrics(registry, pool);
} else {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  registerRedisMetrics(registry, client);
}
const server = createServer((_request, response) => {
  registry.metrics().then(
    (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
    (error: Error) => response.writeHead(500).end(error.message),
  );
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as { port: number }).port));
