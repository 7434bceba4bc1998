import { pino, type Logger } from 'pino';

/** Field names whose values pino replaces, wherever they appear in a log line. */
const SECRET_PATHS = [
  'password', 'passphrase', 'apiKey', 'secret', 'token', 'authorization',
  '*.password', '*.passphrase', '*.apiKey', '*.secret', '*.token', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie',
];

/**
 * The structured logger: JSON lines on stdout, secret fields redacted. It writes through
 * `process.stdout` rather than pino's default sonic-boom fd writer: on a non-blocking pipe the latter
 * can retry an EAGAIN write after later lines, putting shutdown logs out of order (seen in tests).
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout): Logger {
  return pino({ level, base: { service: 'core' }, redact: { paths: SECRET_PATHS, censor: '[redacted]' } }, destination);
}
