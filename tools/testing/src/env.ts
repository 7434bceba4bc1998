/** Connection settings the tests read, from the environment with localhost defaults. */
export interface TestEnv {
  /** PostgreSQL URL of the test database. */
  pgUrl: string;
  /** Redis URL. */
  redisUrl: string;
  /** MongoDB URL, when a server is available (none can run on the CI machine). */
  mongodbUrl: string | undefined;
  /** Pinecone API key for live tests, when set. */
  pineconeApiKey: string | undefined;
}

/** Reads the test service settings (`PG_URL`, `REDIS_URL`, `MONGODB_URL`, `PINECONE_API_KEY`). */
export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  return {
    pgUrl: env.PG_URL || 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    mongodbUrl: env.MONGODB_URL || undefined,
    pineconeApiKey: env.PINECONE_API_KEY || undefined,
  };
}
