/** One setting that failed validation: the variable and the form it expects (never its value). */
export interface ConfigProblem {
  /** Environment variable name. */
  variable: string;
  /** What was wrong and the expected form. */
  message: string;
}

/** The configuration from the environment is missing or malformed; the process exits with status 2. */
export class ConfigError extends Error {
  /** Stable error code. */
  readonly code = 'CONFIG_INVALID';
  /** Exit status the CLI uses for this error. */
  readonly exitCode = 2;

  constructor(
    readonly profile: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid configuration for profile "${profile}":\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nSet the variables above (see .env.example) and start again.',
    );
    this.name = 'ConfigError';
  }
}
