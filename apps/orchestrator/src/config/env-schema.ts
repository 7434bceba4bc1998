import { z } from 'zod';

/** Profiles the orchestrator knows, chosen by `CORE_ENV`. */
export const PROFILES = ['development', 'test', 'production'] as const;
/** A configuration profile. */
export type Profile = (typeof PROFILES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every message states the expected form and never repeats the value it got (it may be a secret). */
function urlWithScheme(schemes: string[], example: string) {
  return z
    .string()
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { error: `expected a URL like ${example}` },
    );
}

const integer = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(/^\d+$/, { error: `expected ${what}: an integer from ${min} to ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `expected ${what}: an integer from ${min} to ${max}` });

const postgresUrl = urlWithScheme(['postgres', 'postgresql'], 'postgres://user:password@host:5432/database');

/** The environment variables the orchestrator reads, each validated on its own. */
export const envSchema = z.object({
  CORE_ENV: z.enum(PROFILES, { error: `expected one of ${PROFILES.join(', ')}` }).default('development'),
  PORT: integer(0, 65535, 'a TCP port').optional(),
  HOST: z.string().min(1, { error: 'expected a host name or IP address to listen on' }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  SHUTDOWN_TIMEOUT_MS: integer(100, 600_000, 'milliseconds').default(10_000),
  DATA_DIR: z.string().min(1, { error: 'expected a directory path' }).optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_REPLICA_URLS: z
    .string()
    .refine((v) => v.split(',').every((u) => postgresUrl.safeParse(u.trim()).success), {
      error: 'expected comma-separated URLs like postgres://user:password@replica:5432/database',
    })
    .optional(),
  PG_URL: postgresUrl.optional(),
  REDIS_URL: urlWithScheme(['redis', 'rediss'], 'redis://:password@host:6379').optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)' }).optional(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region like eu-west-1' }).optional(),
  S3_ENDPOINT: urlWithScheme(['http', 'https'], 'https://s3.example.com').optional(),
  PINECONE_API_KEY: z.string().min(1, { error: 'expected a Pinecone API key' }).optional(),
  PINECONE_INDEX: z.string().regex(/^[a-z0-9-]{1,45}$/, { error: 'expected a Pinecone index name (lowercase letters, digits, hyphens)' }).optional(),
  MIGRATIONS_DIR: z.string().min(1, { error: 'expected the path of the migrations folder' }).optional(),
  MIGRATE_ON_START: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .transform((v) => v === 'true')
    .optional(),
  CORE_CONFIG: z.string().min(1, { error: 'expected the path of a YAML or JSON config file' }).optional(),
  DASHBOARD_TOKEN: z.string().min(16, { error: 'expected a token of at least 16 characters' }).optional(),
  ALERT_WEBHOOK_URL: z.url({ error: 'expected an http(s) URL that receives Alertmanager-style webhook JSON' }).optional(),
  JOB_LEASE_MS: integer(1_000, 3_600_000, 'milliseconds').default(30_000),
  BACKUP_PASSPHRASE: z.string().min(12, { error: 'expected a passphrase of at least 12 characters' }).optional(),
});

/** The parsed environment. */
export type Env = z.infer<typeof envSchema>;
