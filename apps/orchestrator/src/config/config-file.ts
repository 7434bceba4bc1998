import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidPolicyError, parseErasureMap, parsePolicies } from '@core/lifecycle';
import { defaultAlertRules, InvalidRulesError, validateAlertRules } from '@core/monitor';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { Schedule } from '../scheduler/schedule';

/** `30s`, `15m`, `6h`, `2d` (or a number of milliseconds) → milliseconds. */
const duration = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, { error: 'expected a duration like 30s, 15m, 6h or 2d' })
    .transform((text) => {
      const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
      return Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
    }),
], { error: 'expected a duration like 30s, 15m, 6h or 2d (or milliseconds)' });

const cron = z.string().superRefine((expression, ctx) => {
  try {
    new Schedule('config', expression);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `expected a cron expression (5 fields, or 6 with seconds): ${(error as Error).message.replace(/^job "config": schedule /, '')}` });
  }
});

const timezone = z.string().superRefine((zone, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected an IANA time zone like Europe/Berlin, got "${zone}"` });
  }
});

const count = z.number().int().min(-1, { error: 'expected an integer ≥ 0, or -1 for all' });

/** A restic retention policy (`forget`): counts per period, `within` durations as 1y2m3d4h, tags. */
const retention = z
  .object({
    last: count,
    hourly: count,
    daily: count,
    weekly: count,
    monthly: count,
    yearly: count,
    within: z.string().regex(/^(\d+y)?(\d+m)?(\d+d)?(\d+h)?$/, { error: 'expected a duration like 1y2m3d4h' }),
    tags: z.array(z.array(z.string())),
    timezone,
  })
  .partial()
  .strict();

/** Overrides of one job's scheduling. */
const jobSettings = z
  .object({
    schedule: cron,
    timezone,
    missed: z.enum(['skip', 'once', 'all'], { error: 'expected skip, once or all' }),
    catchUpWithin: duration,
    timeout: duration,
    retries: z.number().int().min(0).max(20),
    retryBackoff: duration,
    enabled: z.boolean(),
  })
  .partial()
  .strict();

/** An extra backup source with its own schedule; connection strings come from environment variables (`urlFrom`), never from the file. */
const backupSource = z.discriminatedUnion('kind', [
  z.object({ name: z.string().regex(/^[a-z0-9-]{1,40}$/), kind: z.literal('folder'), path: z.string().min(1), include: z.array(z.string()).optional(), exclude: z.array(z.string()).optional(), schedule: cron, timezone: timezone.optional(), type: z.enum(['full', 'incremental', 'differential']).optional(), tags: z.array(z.string()).optional() }).strict(),
  z.object({ name: z.string().regex(/^[a-z0-9-]{1,40}$/), kind: z.literal('sqlite'), path: z.string().min(1), schedule: cron, timezone: timezone.optional(), tags: z.array(z.string()).optional() }).strict(),
  z.object({ name: z.string().regex(/^[a-z0-9-]{1,40}$/), kind: z.enum(['postgres', 'redis']), urlFrom: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'expected the name of an environment variable holding the URL' }), schedule: cron, timezone: timezone.optional(), tags: z.array(z.string()).optional() }).strict(),
]);

const envVar = z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'expected the name of an environment variable holding the URL' });

/** PostgreSQL base backups and WAL retention (the cluster archives its WAL with `core backup pg wal-push %p`). */
const postgresBackups = z
  .object({
    baseBackups: z.boolean().default(false),
    /** The cluster's URL (a role with REPLICATION); default the profile's DATABASE_URL. */
    urlFrom: envVar.optional(),
    schedule: cron.default('30 1 * * *'),
    timezone: timezone.optional(),
    pitrWithin: z.string().regex(/^(\d+y)?(\d+m)?(\d+d)?(\d+h)?$/, { error: 'expected a duration like 7d' }).default('7d'),
    retention: retention.default({ daily: 30, monthly: 12 }),
    pagesPerChunk: z.number().int().min(1).max(1024).optional(),
  })
  .strict();

/** Checks the weekly restore drill runs on the recovered copy (`select count(*) from orders`, with the value it must return). */
const drills = z
  .object({
    checks: z.array(z.object({ name: z.string().min(1), sql: z.string().min(1), expect: z.string().optional() }).strict()).default([]),
  })
  .strict();

/**
 * Retention and archival (@core/lifecycle): the policies and erasure map are validated by the package
 * (each problem named by its path here), each policy runs as job `lifecycle-<name>` on `schedule`
 * (overridable per job under `jobs:`), archives go to the profile's store, sealed with the passphrase
 * from the variable `archive.passphraseFrom` names.
 */
const lifecycle = z
  .object({
    policies: z.array(z.unknown()).default([]),
    erasure: z.unknown().optional(),
    schedule: cron.default('0 3 * * 0'),
    timezone: timezone.optional(),
    archive: z.object({ prefix: z.string().regex(/^[A-Za-z0-9._\-/]*$/).optional(), passphraseFrom: envVar.optional() }).strict().optional(),
    limits: z.object({ lockTimeout: duration, statementTimeout: duration, maxLockRetries: z.number().int().min(0).max(100) }).partial().strict().optional(),
  })
  .strict();

/**
 * Alert rules of the team, in Prometheus's rule-file form (`groups:` as in a rule file), evaluated in process
 * with the default rules and printed with them by `core monitor rules`; validated by @core/monitor (each
 * problem named by its path here). The webhook URL stays in `ALERT_WEBHOOK_URL`.
 */
const alerts = z.object({ groups: z.array(z.unknown()).default([]) }).strict();

/** The config file (`CORE_CONFIG`, YAML or JSON): schedules and policies; secrets stay in the environment. */
export const configFileSchema = z
  .object({
    jobs: z.record(z.string(), jobSettings).default({}),
    backups: z
      .object({
        retention: retention.optional(),
        sources: z.array(backupSource).default([]),
        postgres: postgresBackups.optional(),
        drills: drills.optional(),
      })
      .strict()
      .default({ sources: [] }),
    lifecycle: lifecycle.optional(),
    alerts: alerts.default({ groups: [] }),
  })
  .strict();

/** The parsed config file. */
export type ConfigFile = z.infer<typeof configFileSchema>;

/** A path in the file as people write it: `backups.sources[1].schedule`. */
function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Names of the built-in jobs a file may override (`jobs.<name>`). */
export const BUILT_IN_JOBS = ['backup-database', 'backup-vectors', 'backup-verify', 'backup-drill', 'backup-pg-base', 'vector-ttl-sweep'];

/** Reads and validates the config file; every problem names its path in the file. No file: the built-in defaults. */
export function loadConfigFile(path: string | undefined, profile: string, env: NodeJS.ProcessEnv = process.env): ConfigFile {
  if (!path) return configFileSchema.parse({});
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(profile, [{ variable: 'CORE_CONFIG', message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      profile,
      parsed.error.issues.map((issue) => ({ variable: `CORE_CONFIG ${path}`, message: `${formatPath(issue.path) || '(top level)'}: ${issue.message}` })),
    );
  }
  const problems: string[] = [];
  const sourceJobs = parsed.data.backups.sources.map((source) => `backup-${source.name}`);
  const section = parsed.data.lifecycle;
  if (section) {
    try {
      sourceJobs.push(...parsePolicies(section.policies, 'lifecycle.policies').map((policy) => `lifecycle-${policy.name}`));
      if (section.erasure !== undefined) parseErasureMap(section.erasure, 'lifecycle.erasure');
    } catch (error) {
      if (!(error instanceof InvalidPolicyError)) throw error;
      problems.push(...error.problems.map((p) => `${p.path}: ${p.message}`));
    }
    const from = section.archive?.passphraseFrom;
    if (from && !env[from]) problems.push(`lifecycle.archive.passphraseFrom: the environment variable ${from} is not set`);
  }
  try {
    validateAlertRules(parsed.data.alerts.groups, 'alerts.groups', defaultAlertRules().flatMap((g) => g.rules.map((r) => r.alert)));
  } catch (error) {
    if (!(error instanceof InvalidRulesError)) throw error;
    problems.push(...error.problems.map((p) => `${p.path}: ${p.message}`));
  }
  for (const name of Object.keys(parsed.data.jobs)) {
    if (!BUILT_IN_JOBS.includes(name) && !sourceJobs.includes(name)) problems.push(`jobs.${name}: no such job; expected one of ${[...BUILT_IN_JOBS, ...sourceJobs].join(', ')}`);
  }
  const urlFrom = parsed.data.backups.postgres?.urlFrom;
  if (urlFrom && !env[urlFrom]) problems.push(`backups.postgres.urlFrom: the environment variable ${urlFrom} is not set`);
  parsed.data.backups.sources.forEach((source, i) => {
    if ('urlFrom' in source && !env[source.urlFrom]) problems.push(`backups.sources[${i}].urlFrom: the environment variable ${source.urlFrom} is not set`);
    if (sourceJobs.indexOf(`backup-${source.name}`) !== i) problems.push(`backups.sources[${i}].name: "${source.name}" is used twice`);
  });
  if (problems.length > 0) throw new ConfigError(profile, problems.map((message) => ({ variable: `CORE_CONFIG ${path}`, message })));
  return parsed.data;
}
