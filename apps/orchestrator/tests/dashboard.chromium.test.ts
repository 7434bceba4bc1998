import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, waitForPort } from '@core/testing';
import { runCore as core } from './helpers';

const main = join(__dirname, '..', 'src', 'main.ts');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, installed with apt-get when the machine lacks it. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit' });
}


// The dashboard of a live orchestrator (development profile, no services) in headless Chromium.
describe('the dashboard in a real browser', () => {
  let dataDir: string;
  let child: ChildProcess;
  let browser: Browser;
  let base: string;
  let output = '';
  const env = () => ({ CORE_ENV: 'development', DATA_DIR: dataDir });

  beforeAll(async () => {
    ensureChromium();
    dataDir = await mkdtemp(join(tmpdir(), 'core-dashboard-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}/dashboard/`;
    child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', main, 'serve'], { env: { PATH: process.env.PATH, ...env(), PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => code !== null && code !== 0 && console.error(`core serve exited with ${code}:\n${output.slice(-3000)}`));
    await waitForPort(port);
    // Ready means our process answers (not another that took the port first), with its components started.
    for (let i = 0; (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) {
      if (i > 200 || child.exitCode !== null) throw new Error(`core serve did not become ready:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 100 && !/succeeded/.test((await core(env(), 'jobs', 'history', 'backup-database')).out); i++) await new Promise((r) => setTimeout(r, 150));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
    if (child) await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows every section from the live orchestrator, runs a job on "run now", and requests nothing beyond loopback', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(base);
    await page.waitForSelector('#chart canvas');
    expect(await page.locator('#health tr.status-up').count()).toBe(5);
    expect(await page.locator('#backups').innerText()).toMatch(/sqlite:.*core\.sqlite/);
    expect(await page.locator('#drills').innerText()).toContain('No restore drill has run yet');
    expect(await page.locator('#jobs tr[data-job]').count()).toBe(6);
    expect(await page.locator('#alerts').innerText()).toContain('Alerts');
    expect(await page.locator('#insight').innerText()).toContain('Database advice');
    expect(await page.locator('#history').innerText()).not.toContain('backup-verify');

    await page.locator('tr[data-job="backup-verify"] button').click();
    // The jobs section refreshes every 5 s: the run appears, then its success.
    type PageGlobal = { document: { querySelector(selector: string): { innerText: string } | null } };
    await page.waitForFunction(() => /backup-verify\s+\S+\s+1\s+succeeded/.test((globalThis as unknown as PageGlobal).document.querySelector('#history')?.innerText ?? ''), undefined, { timeout: 20_000 });
    expect(await page.locator('#history').innerText()).toMatch(/backup-verify\s+\S+\s+1\s+succeeded/);

    // A restore drill run from the page shows in the backups section with its outcome and RTO.
    await page.locator('tr[data-job="backup-drill"] button').click();
    await page.waitForFunction(() => /backup-drill\s+\S+\s+1\s+succeeded/.test((globalThis as unknown as PageGlobal).document.querySelector('#history')?.innerText ?? ''), undefined, { timeout: 30_000 });
    await page.goto(`${base}sections/backups`);
    expect(await page.locator('#drills').innerText()).toMatch(/sqlite:.*core\.sqlite\s+\d+ s ago\s+passed\s+(\d+ ms|\d+\.\d s)/);
    // Development's built-in lifecycle policy ran once after start: its run is in the ledger and on the page.
    await page.goto(`${base}sections/lifecycle`);
    expect(await page.locator('#lifecycle').innerText()).toMatch(/storage-tmp\s+objects\s+done/);
    await page.goto(base);
    await page.waitForSelector('#chart canvas');

    const out = join(__dirname, '..', 'reports');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
  }, 60_000);

  it('refuses an action without the page\'s CSRF token (a cross-site form post)', async () => {
    const response = await fetch(`${base}jobs/backup-verify/run`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
  });
});
