import type { Logger } from 'pino';
import type { Component } from './component';
import type { Config } from './config/config';

/** The components the profile's configuration calls for, in start order. */
export function componentsFor(_config: Config, _logger: Logger): Component[] {
  return [];
}
