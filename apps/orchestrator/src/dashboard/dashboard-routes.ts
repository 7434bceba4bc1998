import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Lifecycle } from '@core/lifecycle';
import type { AlertEvaluator } from '@core/monitor';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BackupStatus } from '../backup-status';
import type { ComponentRegistry } from '../component-registry';
import type { MonitorComponent } from '../components/monitor-component';
import type { SchedulerComponent } from '../components/scheduler-component';
import type { Config } from '../config/config';
import { alertsSection, backupsSection, dashboardPage, healthSection, insightSection, jobsSection, lifecycleSection, type DashboardData } from './dashboard-page';
import { MetricHistory } from './metric-history';

/** What the dashboard reads. */
export interface DashboardDependencies {
  config: Config;
  components: ComponentRegistry;
  scheduler: SchedulerComponent;
  /** The PostgreSQL insight (PostgreSQL profiles only). */
  monitor?: MonitorComponent | undefined;
  /** The in-process alert evaluator. */
  alerts?: AlertEvaluator;
  /** The profile's lifecycle, whose ledger lists the policy runs. */
  lifecycle?: () => Lifecycle;
  /** The backup repository's newest snapshots and drills (shared with `/metrics`). */
  backups: BackupStatus;
}

const ASSETS: Record<string, { module: string; type: string }> = {
  'htmx.min.js': { module: 'htmx.org/dist/htmx.min.js', type: 'text/javascript' },
  'uPlot.iife.min.js': { module: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript' },
  'uPlot.min.css': { module: 'uplot/dist/uPlot.min.css', type: 'text/css' },
};

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * The dashboard at `/dashboard`: server-rendered sections refreshed by htmx, a uPlot chart of the
 * process's own history, "run now" for jobs. Development and test serve it on their loopback address
 * without a token (unless DASHBOARD_TOKEN is set); elsewhere every page and action needs DASHBOARD_TOKEN
 * (`?token=` once, kept in an HttpOnly SameSite=Strict cookie; compared in constant time). Actions need the
 * page's CSRF token in a header and a same-origin request. Assets are served from node_modules: no request
 * leaves the host.
 */
export function registerDashboard(app: FastifyInstance, deps: DashboardDependencies): { stop(): void } {
  // Assets resolve from the running entry point (dist/main.js, or src/main.ts under tsx): the app's node_modules.
  const require = createRequire(process.argv[1] ? resolve(process.argv[1]) : join(process.cwd(), 'index.js'));
  const token = deps.config.dashboard.token;
  const local = deps.config.profile !== 'production';
  const csrf = randomBytes(24).toString('base64url');
  const history = new MetricHistory();
  history.start();

  const allowed = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (!token) {
      if (local) return true;
      void reply.code(403).type('text/plain').send('The dashboard needs DASHBOARD_TOKEN outside development and test.');
      return false;
    }
    const given = (request.query as { token?: string }).token ?? cookie(request, 'core_dashboard') ?? request.headers.authorization?.replace(/^Bearer /, '');
    if (sameToken(given, token)) {
      if ((request.query as { token?: string }).token) void reply.header('set-cookie', `core_dashboard=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/dashboard`);
      return true;
    }
    void reply.code(401).type('text/plain').send('A valid dashboard token is required (?token=…).');
    return false;
  };

  const latestBackups = (): Promise<DashboardData['backups']> => deps.backups.latest().catch((error: unknown) => ({ error: (error as { code?: string }).code ?? (error as Error).message }));

  const gather = async (): Promise<DashboardData> => {
    const scheduler = deps.scheduler.running ? deps.scheduler.scheduler : undefined;
    return {
      profile: deps.config.profile,
      health: await deps.components.health(),
      jobs: scheduler ? await scheduler.status() : [],
      history: scheduler ? await scheduler.history(undefined, 15) : [],
      backups: await latestBackups(),
      alerts: deps.alerts?.alerts() ?? [],
      lifecycle: deps.lifecycle
        ? await deps
            .lifecycle()
            .history(undefined, 10)
            .catch((error: unknown) => ({ error: (error as Error).message }))
        : [],
      insight: deps.monitor
        ? await deps.monitor.report().catch((error: unknown) => ({ error: (error as Error).message }))
        : { unavailable: `database insight needs PostgreSQL; this profile's database is ${deps.config.database.kind === 'sqlite' ? 'SQLite' : deps.config.database.kind}` },
    };
  };

  // htmx posts forms as urlencoded; the actions read no body.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));

  app.get('/dashboard', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    if (!request.url.split('?')[0]!.endsWith('/')) return reply.redirect(`/dashboard/${request.url.includes('?') ? `?${request.url.split('?')[1]}` : ''}`);
    return reply.type('text/html').send(dashboardPage(await gather(), csrf).value);
  });
  app.get('/dashboard/', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    return reply.type('text/html').header('content-security-policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'").send(dashboardPage(await gather(), csrf).value);
  });
  app.get('/dashboard/sections/:name', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    const name = (request.params as { name: string }).name;
    if (name === 'backups') deps.backups.invalidate(); // its own refresh re-reads the repository
    const data = await gather();
    const sections = { health: healthSection, backups: backupsSection, insight: insightSection, alerts: alertsSection, lifecycle: lifecycleSection } as const;
    const section = name === 'jobs' ? jobsSection(data, csrf) : name in sections ? sections[name as keyof typeof sections](data) : undefined;
    return section ? reply.type('text/html').send(section.value) : reply.code(404).send();
  });
  // The pending and firing alerts as JSON, behind the dashboard's token.
  app.get('/alerts', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    return { alerts: deps.alerts?.alerts() ?? [] };
  });
  // The insight as JSON, behind the dashboard's token (it shows other sessions' queries).
  app.get('/insight', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    if (!deps.monitor) return reply.code(404).send({ error: 'database insight needs PostgreSQL (DATABASE_URL)' });
    return deps.monitor.report();
  });
  app.get('/dashboard/metrics-history', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    return history.columns();
  });
  app.get('/dashboard/assets/:file', async (request, reply) => {
    const asset = ASSETS[(request.params as { file: string }).file];
    if (!asset) return reply.code(404).send();
    return reply.type(asset.type).header('cache-control', 'max-age=3600').send(readFileSync(require.resolve(asset.module)));
  });
  app.post('/dashboard/jobs/:name/run', async (request, reply) => {
    if (!allowed(request, reply)) return reply;
    const origin = request.headers.origin;
    if (!sameToken(request.headers['x-core-csrf'] as string | undefined, csrf) || (origin && new URL(origin).host !== request.headers.host)) {
      return reply.code(403).type('text/plain').send('cross-site request refused');
    }
    if (!deps.scheduler.running) return reply.code(503).send();
    await deps.scheduler.scheduler.runNow((request.params as { name: string }).name).catch(() => undefined);
    return reply.type('text/html').send(jobsSection(await gather(), csrf).value);
  });
  return { stop: () => history.stop() };
}
