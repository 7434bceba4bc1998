// Counts tests from jest's own JSON results (<project>/reports/jest.json, written by each project's
// `test` target) and prints "N passed, N failed[, N skipped]". Exits 1 if anything failed or if a
// project with a test target left no results.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ['apps', 'packages', 'tools']) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group)) {
    const manifest = join(group, name, 'package.json');
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue;
    const report = join(group, name, 'reports', 'jest.json');
    if (!existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    // A suite that could not run (syntax error, failing hook) has no failed tests of its own.
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    skipped += r.numPendingTests + r.numTodoTests;
  }
}
if (missing.length > 0) console.error(`no jest results from: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed + missing.length} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed + missing.length > 0 ? 1 : 0);
