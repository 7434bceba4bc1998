#!/usr/bin/env node
// Runs jest and makes a run that will not end fail instead of hang: once jest has written its results,
// the process gets GRACE_MS to exit; if a test left a socket, timer or child process open it is killed
// and the run fails, naming the likely cause. (jest's own `detectOpenHandles` slows every test and
// still waits forever.) Usage: jest-exit-guard [jest args...]; JEST_EXIT_GRACE_MS overrides the grace.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const GRACE_MS = Number(process.env.JEST_EXIT_GRACE_MS ?? 20_000);
const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest', { paths: [process.cwd()] });
mkdirSync('reports', { recursive: true });

const child = spawn(process.execPath, [jestBin, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe'] });
let timer;
child.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  // jest prints this once the run is over and the results file is written.
  if (!timer && /Test results written to|Ran all test suites/.test(chunk.toString())) {
    timer = setTimeout(() => {
      process.stderr.write(
        `\njest-exit-guard: jest finished but did not exit within ${GRACE_MS} ms: a test left a handle open (a socket, timer or child process). ` +
          'Run the package with `npx jest --detectOpenHandles` to find it.\n',
      );
      child.kill('SIGKILL');
    }, GRACE_MS);
    timer.unref();
  }
});
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exit(signal ? 1 : (code ?? 1));
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
