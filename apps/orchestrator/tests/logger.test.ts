import { Writable } from 'node:stream';
import { createLogger } from '../src/logger';

describe('createLogger', () => {
  it('writes JSON lines with secret fields censored', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, done) => (lines.push(c.toString()), done()) });
    const logger = createLogger('info', sink);
    logger.info({ password: 'pw-1', db: { passphrase: 'pp-2', host: 'db' }, apiKey: 'k-3' }, 'connected');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ msg: 'connected', password: '[redacted]', db: { passphrase: '[redacted]', host: 'db' }, apiKey: '[redacted]' });
    expect(lines.join('')).not.toMatch(/pw-1|pp-2|k-3/);
  });
});
