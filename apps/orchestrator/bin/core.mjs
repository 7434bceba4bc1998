#!/usr/bin/env node
// The `core` bin: present before the first build (npm links bins at install time), it runs the built
// CLI, or says how to build it.
import('../dist/main.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('core: the orchestrator is not built yet; run `npx nx run @core/orchestrator:build` (npm start builds it too)\n');
  process.exit(1);
});
