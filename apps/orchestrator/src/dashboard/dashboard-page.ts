import type { DrillRecord, SnapshotRecord } from '@core/backup';
import type { RunRecord as LifecycleRun } from '@core/lifecycle';
import type { ActiveAlert } from '@core/monitor';
import type { InsightReport } from '@core/monitor/postgres';
import type { ComponentReport } from '../component-registry';
import type { RunRecord } from '../scheduler/job';
import type { JobStatus } from '../scheduler/scheduler';
import { html, type SafeHtml } from './html';

/** What the page shows, gathered by the routes. */
export interface DashboardData {
  profile: string;
  health: ComponentReport[];
  jobs: JobStatus[];
  history: RunRecord[];
  /** Newest snapshot per source and newest restore drill per kind, or the reason the repository could not be read. */
  backups: { latest: SnapshotRecord[]; drills: DrillRecord[] } | { error: string };
  /** Pending and firing alerts of the in-process evaluator. */
  alerts: ActiveAlert[];
  /** The PostgreSQL insight, the reason it failed, or why the profile has none. */
  insight: InsightReport | { error: string } | { unavailable: string };
  /** The newest lifecycle policy runs from the ledger, or why it could not be read. */
  lifecycle: LifecycleRun[] | { error: string };
}

const ago = (date: Date | string | null | undefined, now = Date.now()) => {
  if (!date) return 'never';
  const seconds = Math.round((now - new Date(date).getTime()) / 1000);
  if (seconds < 0) return `in ${Math.round(-seconds / 60)} min`;
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
};
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The health section: every component's status and detail. */
export function healthSection(data: DashboardData): SafeHtml {
  return html`<section id="health" hx-get="sections/health" hx-trigger="every 10s" hx-swap="outerHTML">
    <h2>Health</h2>
    <table><thead><tr><th>component</th><th>status</th><th>detail</th><th>check</th></tr></thead><tbody>
    ${data.health.map((c) => html`<tr class="status-${c.status}"><td>${c.name}</td><td>${c.status}</td><td>${c.detail ?? ''}</td><td>${c.latencyMs.toFixed(1)} ms</td></tr>`)}
    </tbody></table></section>`;
}

/** The jobs section: schedule, next run, last result, "run now", recent runs. */
export function jobsSection(data: DashboardData, csrf: string): SafeHtml {
  return html`<section id="jobs" hx-get="sections/jobs" hx-trigger="every 5s" hx-swap="outerHTML">
    <h2>Jobs</h2>
    <table><thead><tr><th>job</th><th>schedule</th><th>next run</th><th>last run</th><th></th></tr></thead><tbody>
    ${data.jobs.map(
      (job) => html`<tr data-job="${job.name}"><td>${job.name}${job.paused ? ' (paused)' : ''}</td><td><code>${job.schedule}</code> ${job.timezone}</td><td>${job.nextRun ? job.nextRun.toISOString() : '—'}</td>
        <td class="state-${job.lastRun?.state ?? 'none'}">${job.lastRun ? html`${job.lastRun.state}, ${ago(job.lastRun.finishedAt ?? job.lastRun.startedAt)}` : 'never'}</td>
        <td><button hx-post="jobs/${job.name}/run" hx-headers='{"x-core-csrf": "${csrf}"}' hx-target="#jobs" hx-swap="outerHTML" ${job.running ? 'disabled' : ''}>run now</button></td></tr>`,
    )}
    </tbody></table>
    <h3>Recent runs</h3>
    <table id="history"><thead><tr><th>run</th><th>job</th><th>scheduled</th><th>attempt</th><th>state</th><th>took</th><th>result or error</th></tr></thead><tbody>
    ${data.history.map(
      (run) => html`<tr class="state-${run.state}"><td>${run.id}</td><td>${run.job}</td><td>${run.scheduledAt.getTime() === 0 ? 'first run' : run.scheduledAt.toISOString()}</td><td>${run.attempt}</td><td>${run.state}</td>
        <td>${run.startedAt && run.finishedAt ? `${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s` : ''}</td><td>${run.error ?? (run.result ? JSON.stringify(run.result) : '')}</td></tr>`,
    )}
    </tbody></table></section>`;
}

/** The newest restore drill of each kind: when, the outcome, the measured RTO and the newest point it proved restorable. */
function drillsTable(drills: DrillRecord[]): SafeHtml {
  if (drills.length === 0) return html`<p id="drills">No restore drill has run yet (the <code>backup-drill</code> job runs weekly; "run now" below starts one).</p>`;
  return html`<table id="drills"><thead><tr><th>restore drill</th><th>when</th><th>result</th><th>RTO</th><th>newest restorable point</th><th>checks</th></tr></thead><tbody>
    ${drills.map(
      (d) =>
        html`<tr><td>${d.kind}:${d.source.identity}</td><td>${ago(d.time)}</td><td class="${d.ok ? 'status-up' : 'status-down'}">${d.ok ? 'passed' : `failed: ${d.error ?? d.checks.filter((c) => !c.ok).map((c) => `${c.name} ${c.message ?? ''}`).join('; ')}`}</td><td>${d.rtoMs === undefined ? '—' : d.rtoMs < 1000 ? `${d.rtoMs} ms` : `${(d.rtoMs / 1000).toFixed(1)} s`}</td><td>${d.newestRestorable?.time ?? '—'}</td><td>${d.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}`).join(', ')}</td></tr>`,
    )}
    </tbody></table>`;
}

/** The backups section: the newest snapshot of each source (age, size, dedup ratio) and the newest restore drills. */
export function backupsSection(data: DashboardData): SafeHtml {
  const body =
    'latest' in data.backups
      ? html`${
          data.backups.latest.length === 0
            ? html`<p>No snapshots yet.</p>`
            : html`<table><thead><tr><th>source</th><th>latest snapshot</th><th>age</th><th>type</th><th>size</th><th>added</th><th>dedup</th></tr></thead><tbody>
        ${data.backups.latest.map((s) => html`<tr><td>${s.source.kind}:${s.source.identity}</td><td><code>${s.id.slice(0, 8)}</code></td><td>${ago(s.time)}</td><td>${s.type}</td><td>${mib(s.totals.bytesTotal)}</td><td>${mib(s.totals.newBytesStored)}</td><td>${s.totals.dedupRatio.toFixed(2)}×</td></tr>`)}
        </tbody></table>`
        }${drillsTable(data.backups.drills)}`
      : html`<p class="status-down">The backup repository could not be read: ${data.backups.error}</p>`;
  return html`<section id="backups" hx-get="sections/backups" hx-trigger="every 30s" hx-swap="outerHTML"><h2>Backups</h2>${body}</section>`;
}

/** The alerts section: every pending and firing alert of the default rules, with its labels and summary. */
export function alertsSection(data: DashboardData): SafeHtml {
  const body =
    data.alerts.length === 0
      ? html`<p class="status-up">No alert is pending or firing (the default rules: <code>core monitor rules</code>).</p>`
      : html`<table><thead><tr><th>alert</th><th>state</th><th>since</th><th>labels</th><th>summary</th></tr></thead><tbody>
        ${data.alerts.map((a) => html`<tr class="alert-${a.state}"><td>${a.alert}</td><td class="${a.state === 'firing' ? 'status-down' : 'status-degraded'}">${a.state}</td><td>${ago(a.firedAt ?? a.activeAt)}</td><td>${Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(', ')}</td><td>${a.annotations.summary ?? ''}</td></tr>`)}
        </tbody></table>`;
  return html`<section id="alerts" hx-get="sections/alerts" hx-trigger="every 15s" hx-swap="outerHTML"><h2>Alerts</h2>${body}</section>`;
}

/** The database advice section: every finding with its advice and the SQL that would fix it, stale checks marked. */
export function insightSection(data: DashboardData): SafeHtml {
  const insight = data.insight;
  const body =
    'unavailable' in insight
      ? html`<p>No advice: ${insight.unavailable}.</p>`
      : 'error' in insight
        ? html`<p class="status-down">The insight could not run: ${insight.error}</p>`
        : html`${
            insight.findings.length === 0
              ? html`<p class="status-up">No findings: every check passed.</p>`
              : html`<table><thead><tr><th>severity</th><th>check</th><th>subject</th><th>finding and advice</th><th>fix (not run)</th></tr></thead><tbody>
          ${insight.findings.map((f) => html`<tr class="finding"><td class="${f.severity === 'critical' ? 'status-down' : f.severity === 'warning' ? 'status-degraded' : ''}">${f.severity}</td><td>${f.check}</td><td>${f.subject}</td><td>${f.message}<br><span class="note">${f.advice}</span></td><td>${f.fix ? html`<code>${f.fix}</code>` : '—'}</td></tr>`)}
          </tbody></table>`
          }${insight.checks
            .filter((c) => !c.ok)
            .map((c) => html`<p class="status-degraded">${c.name}: ${c.stale ? `stale, from ${c.at}` : 'no answer yet'} (${c.error ?? ''})</p>`)}<p class="note">Read at ${insight.at}; every query has its own statement and lock timeout.</p>`;
  return html`<section id="insight" hx-get="sections/insight" hx-trigger="every 60s" hx-swap="outerHTML"><h2>Database advice</h2>${body}</section>`;
}

/** The lifecycle section: the newest policy runs from the ledger — status, rows archived and deleted, batches, error. */
export function lifecycleSection(data: DashboardData): SafeHtml {
  const runs = data.lifecycle;
  const body =
    'error' in runs
      ? html`<p class="status-down">The lifecycle ledger could not be read: ${runs.error}</p>`
      : runs.length === 0
        ? html`<p>No lifecycle policy has run yet (each runs as a <code>lifecycle-&lt;policy&gt;</code> job).</p>`
        : html`<table><thead><tr><th>policy</th><th>action</th><th>status</th><th>started</th><th>archived</th><th>deleted</th><th>batches</th><th>error</th></tr></thead><tbody>
        ${runs.map((r) => html`<tr class="lifecycle-run"><td>${r.policy}</td><td>${r.action}</td><td class="${r.status === 'done' ? 'status-up' : r.status === 'running' ? 'status-degraded' : 'status-down'}">${r.status}</td><td>${ago(r.startedAt)}</td><td>${r.rowsArchived}</td><td>${r.rowsDeleted}</td><td>${r.batches}</td><td>${r.error ?? ''}</td></tr>`)}
        </tbody></table>`;
  return html`<section id="lifecycle" hx-get="sections/lifecycle" hx-trigger="every 30s" hx-swap="outerHTML"><h2>Lifecycle</h2>${body}</section>`;
}

/** The whole page: health, alerts, charts, backups, jobs, lifecycle runs, database advice. */
export function dashboardPage(data: DashboardData, csrf: string): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>core — ${data.profile}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="assets/uPlot.min.css">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e6ea; }
  .status-up, .state-succeeded { color: #176f2c; } .status-degraded, .state-missed, .state-pending { color: #946200; }
  .status-down, .state-failed, .state-timeout, .state-abandoned, .state-interrupted { color: #b3261e; }
  .note { color: #5d6470; font-size: 12px; } code { font-size: 12px; }
</style></head>
<body>
<h1>core orchestrator · ${data.profile}</h1>
${healthSection(data)}
${alertsSection(data)}
<section id="charts"><h2>Process</h2><div id="chart"></div><p class="note">RSS and heap (MiB), event-loop lag (ms), sampled every 10 s in this process, last 6 h.</p></section>
${backupsSection(data)}
${jobsSection(data, csrf)}
${lifecycleSection(data)}
${insightSection(data)}
<script src="assets/htmx.min.js"></script>
<script src="assets/uPlot.iife.min.js"></script>
<script>
  fetch('metrics-history').then((r) => r.json()).then((columns) => {
    new uPlot({ width: Math.min(900, document.body.clientWidth - 40), height: 220, series: [{}, { label: 'RSS MiB', stroke: '#3b6fd8' }, { label: 'heap MiB', stroke: '#2c9c5a' }, { label: 'lag ms', stroke: '#c0392b' }] }, columns, document.getElementById('chart'));
    document.getElementById('chart').dataset.points = String(columns[0].length);
  });
</script>
</body></html>`;
}
