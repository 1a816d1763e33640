/**
 * The crash group: `npm start` killed with SIGKILL mid-work and started again on the same home (crash-lab.ts), for
 * each kind of long-running work: a fulfilment, a deployment during its rollout and during its canary analysis, an
 * AI turn, a discovery sync. After the restart every item is finished, or marked interrupted with a retry that
 * works; no side effect is doubled (counted at the fakes); no audit intent is left pending unexplained. The first four
 * share one runtime (crash-demo.ts: one first start and demo seed, then a kill and a restart each); discovery takes
 * its home over with a GitHub of its own. The first to run may build the web app once (a fresh clone), as `npm start` would.
 */
import { crashMidAiTurn } from './crash-ai.ts';
import { crashMidDeployment } from './crash-deployment.ts';
import { crashMidDiscovery } from './crash-discovery.ts';
import { crashMidFulfilment } from './crash-fulfilment.ts';
import type { Scenario } from './scenario.ts';

export const scenarios: Scenario[] = [
  { group: 'crash', name: 'crash-mid-fulfilment', timeoutMs: 240_000, run: crashMidFulfilment },
  { group: 'crash', name: 'crash-mid-deployment-rollout', timeoutMs: 150_000, run: crashMidDeployment('rollout') },
  { group: 'crash', name: 'crash-mid-deployment-canary', timeoutMs: 150_000, run: crashMidDeployment('canary') },
  { group: 'crash', name: 'crash-mid-ai-turn', timeoutMs: 150_000, run: crashMidAiTurn },
  { group: 'crash', name: 'crash-mid-discovery', timeoutMs: 150_000, run: crashMidDiscovery },
];
