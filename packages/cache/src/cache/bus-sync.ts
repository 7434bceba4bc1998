import type { BusMessage } from '../cache-bus';
import type { Core } from './core';

/** Applies another instance's change to this instance's memory tier and tag times. */
export function onBusMessage(core: Core, message: BusMessage): void {
  if (message.origin === core.id) return;
  core.counters.received++;
  const { l1, tags } = core;
  if (message.op === 'delete') for (const key of message.keys) l1.delete(key);
  else if (message.op === 'clear') for (const prefix of message.keys) l1.clear(prefix === '' ? undefined : prefix);
  else if (message.op === 'tags') tags.heard(message.keys);
  core.emitter.emit('bus:message', message);
}
