/**
 * `describe` when the environment variable is set, otherwise the suite is reported as skipped
 * under its own name, with the reason printed: never passed silently.
 */
export function describeWithEnv(variable: string, name: string, body: () => void): void {
  if (process.env[variable]) {
    describe(name, body);
    return;
  }
  console.warn(`[skip] "${name}": ${variable} is not set, so this suite is skipped (no server here).`);
  describe.skip(`${name} [skipped: ${variable} not set]`, body);
}
