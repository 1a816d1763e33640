/**
 * The LOCAL FAKE GitHub's pages, for people (github-server.ts serves them, no token needed): `/` lists its
 * dispatchable workflows, the workflow runs newest first (each one's name, which carries Apollo's idempotency key,
 * its workflow, inputs, status and conclusion, and times), the failures armed for the next runs, the
 * `workflow_run` deliveries to Apollo, and how to make the next run fail; `/{org}/{repo}/actions/runs/{id}` is one
 * run (its `html_url`, so the link on a request's page opens it here). Drawn as the Terraform and JIRA fakes' pages
 * are: plain HTML, no script, every value escaped.
 */

/** A run as the page shows it. */
export interface PageRun {
  readonly id: number;
  readonly repo: string;
  readonly runNumber: number;
  /** The rendered `run-name`: Apollo's idempotency key is in it. */
  readonly displayTitle: string;
  readonly workflowName: string;
  readonly workflowFile: string;
  readonly branch: string;
  readonly sha: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly status: string;
  readonly conclusion: string | null;
  readonly createdAt: string;
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** What the fake's pages show: a snapshot taken when one is asked for. */
export interface GitHubPageState {
  readonly url: string;
  readonly org: string;
  /** Oldest first. */
  readonly runs: readonly PageRun[];
  readonly workflows: ReadonlyArray<{ readonly repo: string; readonly file: string; readonly name: string; readonly dispatchable: boolean; readonly inputs: readonly string[] }>;
  /** Failures armed with `POST /_fail` (or `failRuns`) still to come. */
  readonly failures: ReadonlyArray<{ readonly workflow: string | undefined; readonly left: number; readonly conclusion: string }>;
  /** Oldest first. */
  readonly deliveries: ReadonlyArray<{ readonly id: string; readonly action: string; readonly runId: number; readonly at: string; readonly status?: number; readonly error?: string }>;
  readonly webhookUrl: string | undefined;
  /** 'manual': runs move only when a test moves them. */
  readonly runTiming: { readonly queuedMs: number; readonly inProgressMs: number } | 'manual';
}

export interface GitHubPage {
  readonly status: number;
  readonly html: string;
}

export const FAKE_GITHUB_LABEL = 'LOCAL FAKE';
export const FAKE_GITHUB_TITLE = 'Local fake GitHub';
/** The headers every page is sent with. */
export const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-apollo-fake': FAKE_GITHUB_LABEL } as const;

const DELIVERIES_SHOWN = 50;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const STYLE = '<style>body{font:14px system-ui;margin:2rem;color:#1c2127;max-width:80rem}.fake{background:#fbd065;padding:6px 12px;font-weight:600;border-radius:3px;display:inline-block}td,th{padding:4px 8px;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}code{font-size:12px;word-break:break-all}pre{background:#f6f7f9;padding:8px}.success{color:#1c6e42}.failure{color:#ac2f33}.running{color:#215db0}small{color:#5f6b7c}.nowrap{white-space:nowrap}</style>';

/** The page at `path`, or undefined when `path` is not one (the API answers it). */
export function fakeGitHubPage(path: string, state: () => GitHubPageState): GitHubPage | undefined {
  if (path === '/') return { status: 200, html: runsPage(state()) };
  const run = /^\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)$/.exec(path);
  if (!run) return undefined;
  const s = state();
  if (decodeURIComponent(run[1]!) !== s.org) return undefined;
  const repo = decodeURIComponent(run[2]!);
  const found = s.runs.find((r) => r.id === Number(run[3]) && r.repo === repo);
  if (!found) {
    return { status: 404, html: `${head(FAKE_GITHUB_TITLE)}<p class="fake">${FAKE_GITHUB_LABEL}: no run ${esc(run[3]!)} in ${esc(s.org)}/${esc(repo)} (runs live in memory until the runtime stops). <a href="/">All runs</a></p></html>` };
  }
  return { status: 200, html: runPage(s, found) };
}

/** The link to a run's page on this fake (its `html_url`). */
export const runPath = (org: string, repo: string, id: number): string => `/${encodeURIComponent(org)}/${encodeURIComponent(repo)}/actions/runs/${id}`;

const head = (title: string): string => `<!doctype html><html lang="en"><meta charset="utf-8"><title>${esc(title)}</title>${STYLE}`;

function outcome(run: PageRun): string {
  if (run.status !== 'completed') return `<b class="running">${esc(run.status)}</b>`;
  const kind = run.conclusion === 'success' ? 'success' : 'failure';
  return `<b class="${kind}">completed</b> / <b class="${kind}">${esc(run.conclusion ?? 'none')}</b>`;
}

const inputsList = (inputs: Readonly<Record<string, string>>): string =>
  Object.entries(inputs).map(([k, v]) => `${esc(k)} = <code>${esc(v)}</code>`).join('<br>') || '<small>none</small>';

function timing(state: GitHubPageState): string {
  if (state.runTiming === 'manual') return 'A run moves only when a test moves it (manual timing).';
  return `A run stays queued ${state.runTiming.queuedMs} ms, then in progress ${state.runTiming.inProgressMs} ms, then completes.`;
}

function runsPage(state: GitHubPageState): string {
  const runs = [...state.runs].reverse().map((r) => `<tr data-run="${r.id}"><td>${esc(r.createdAt)}</td><td class="nowrap"><a href="${runPath(state.org, r.repo, r.id)}">${r.id}</a><br><small>#${r.runNumber}</small></td><td><b>${esc(r.displayTitle)}</b></td><td>${esc(r.workflowName)}<br><code>${esc(r.workflowFile)}</code> <small>in ${esc(r.repo)}@${esc(r.branch)}</small></td><td>${inputsList(r.inputs)}</td><td>${outcome(r)}</td><td><small>started ${esc(r.startedAt)}<br>updated ${esc(r.updatedAt)}</small></td></tr>`).join('');
  const workflows = state.workflows.map((w) => `<tr><td>${esc(w.repo)}</td><td><code>${esc(w.file)}</code></td><td>${esc(w.name)}</td><td>${w.dispatchable ? esc(w.inputs.join(', ') || 'no inputs') : '<small>no workflow_dispatch: cannot be dispatched</small>'}</td></tr>`).join('');
  const failures = state.failures.map((f) => `<li>the next ${f.left} run${f.left === 1 ? '' : 's'} of ${f.workflow ? `<code>${esc(f.workflow)}</code>` : 'any workflow'} end <b>${esc(f.conclusion)}</b></li>`).join('');
  const deliveries = state.deliveries.slice(-DELIVERIES_SHOWN).reverse().map((d) => `<tr><td>${esc(d.at)}</td><td>${esc(d.action)}</td><td><code>${d.runId}</code></td><td>${d.status ?? (d.error ? esc(d.error) : 'no answer yet')}</td></tr>`).join('');
  return `${head(FAKE_GITHUB_TITLE)}
<p class="fake">${FAKE_GITHUB_LABEL}: not GitHub. No workflow runs anywhere; nothing here leaves this machine.</p>
<h1>${FAKE_GITHUB_TITLE}</h1>
<p>Served by Apollo's local runtime: the organisation <b>${esc(state.org)}</b> that discovery and the catalog refresh read, and the GitHub Actions the offerings' <code>github-workflow</code> actions dispatch (<code>APOLLO_GITHUB_API_URL=${esc(state.url)}</code>; the API takes the token in <code>APOLLO_GITHUB_TOKEN</code>). ${timing(state)} Each step is sent to <code>${esc(state.webhookUrl ?? 'nowhere (no webhook configured)')}</code> as a signed <code>workflow_run</code> event. A run's name carries Apollo's idempotency key (<code>&lt;request&gt;/&lt;action&gt;/&lt;generation&gt;</code>): a retry finds the run it already started by it instead of starting another.</p>
<h2>Make one fail</h2>
<pre>curl -X POST ${esc(state.url)}/_fail -H 'content-type: application/json' \\
  -d '{"workflow": "create-service.yml", "times": 1}'</pre>
<p>The next run of that workflow (any workflow without <code>workflow</code>) ends <b>failure</b>; <code>"conclusion": "timed_out"</code> (or <code>cancelled</code>, <code>startup_failure</code>, …) ends it so instead.</p>
${failures ? `<p>Armed:</p><ul>${failures}</ul>` : '<p><small>No failure armed: the next runs succeed.</small></p>'}
<h2>Runs (${state.runs.length}, newest first)</h2>
<table><tr><th>created</th><th>run</th><th>name</th><th>workflow</th><th>inputs</th><th>status / conclusion</th><th>times</th></tr>${runs || '<tr><td colspan="7">none yet: a request with a GitHub workflow action dispatches one</td></tr>'}</table>
<h2>Workflows</h2>
<table><tr><th>repository</th><th>file</th><th>name</th><th>dispatch inputs</th></tr>${workflows || '<tr><td colspan="4">none</td></tr>'}</table>
<h2>Webhook deliveries (newest first)</h2>
<table><tr><th>at</th><th>action</th><th>run</th><th>answered</th></tr>${deliveries || '<tr><td colspan="4">none yet</td></tr>'}</table>
</html>`;
}

function runPage(state: GitHubPageState, run: PageRun): string {
  const deliveries = state.deliveries.filter((d) => d.runId === run.id).map((d) => `<li>${esc(d.at)}: ${esc(d.action)} → ${d.status ?? (d.error ? esc(d.error) : 'no answer yet')}</li>`).join('');
  return `${head(`Run ${run.id} — ${FAKE_GITHUB_TITLE}`)}
<p class="fake">${FAKE_GITHUB_LABEL}: not GitHub. No workflow ran; nothing here leaves this machine.</p>
<h1>${esc(run.displayTitle)}</h1>
<p>Run <code>${run.id}</code> (#${run.runNumber}) of <b>${esc(run.workflowName)}</b> (<code>.github/workflows/${esc(run.workflowFile)}</code>) in ${esc(state.org)}/${esc(run.repo)} on ${esc(run.branch)} <small>at ${esc(run.sha.slice(0, 12))}</small>: ${outcome(run)}. <a href="/">All runs</a></p>
<h2>Inputs</h2><table><tr><th>input</th><th>value</th></tr>${Object.entries(run.inputs).map(([k, v]) => `<tr><td>${esc(k)}</td><td><code>${esc(v)}</code></td></tr>`).join('') || '<tr><td colspan="2">none</td></tr>'}</table>
<h2>Times</h2><ul><li>created ${esc(run.createdAt)}</li><li>started ${esc(run.startedAt)}</li><li>updated ${esc(run.updatedAt)}</li></ul>
<h2>Webhook deliveries</h2>${deliveries ? `<ul>${deliveries}</ul>` : '<p>none</p>'}
</html>`;
}
