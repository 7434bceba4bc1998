#!/usr/bin/env node
import { runCli } from './cli';

// `serve` keeps running after parseAsync resolves (its server holds the event loop); only a
// failure or a one-shot command sets the exit code here.
runCli(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
