import { UnsafePathError } from '../errors';

/** Refuses a tree entry name that is not one plain path segment (`..`, `.`, empty, `/`, `\`, NUL). */
export function assertSafeName(name: string, parent: string): void {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new UnsafePathError(parent ? `${parent}/${name}` : String(name));
  }
}
