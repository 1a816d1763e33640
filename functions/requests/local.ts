/**
 * The requests context on a laptop (`npm start` and the integration tests): the secrets actions name come
 * from `$APOLLO_HOME/integration-secrets.json` (in memory without a home), the local fake DNS API and
 * webhook receiver this runtime serves under /fakes/integrations/ are allowlisted past the SSRF guard,
 * templates may read `{{env.APOLLO_FAKES_URL}}` (the demo offering's address), and Apollo's public URL
 * (APOLLO_PUBLIC_URL, where Terraform's notifications are sent) is this runtime's.
 */
import type { LocalRuntime } from '#lib/context';
import { EGRESS_ALLOW_ENV } from './actions/ssrf.ts';
import { PUBLIC_URL_ENV } from './actions/terraform-notifications.ts';
import { localIntegrationSecrets } from './adapters/local-secrets.ts';
import { configureRequests } from './deps.ts';
import { markInterrupted } from './interrupted.ts';
import { resetSlots } from './queue.ts';

export const FAKES_URL_ENV = 'APOLLO_FAKES_URL';
export const TEMPLATE_ENV = 'APOLLO_TEMPLATE_ENV';

/** The public URL a runtime of this process set (a later runtime sets its own; one set by hand is kept). */
let publicUrlSet: string | undefined;

const addTo = (name: string, value: string): void => {
  const list = (process.env[name] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (!list.includes(value)) process.env[name] = [...list, value].join(',');
};

let fakesSetHere: string | undefined;

export async function configureRequestsLocal(runtime: LocalRuntime): Promise<string[]> {
  const secrets = localIntegrationSecrets(runtime.home);
  configureRequests({ secrets });
  // Set by hand (a test's own fake outside this process, or your provider's sandbox), it is kept; set by an
  // earlier runtime in this process, it follows this one.
  const given = process.env[FAKES_URL_ENV] && process.env[FAKES_URL_ENV] !== fakesSetHere ? process.env[FAKES_URL_ENV] : undefined;
  const fakes = (given ?? `${runtime.url}/fakes/integrations`).replace(/\/+$/, '');
  process.env[FAKES_URL_ENV] = fakesSetHere = fakes;
  addTo(TEMPLATE_ENV, FAKES_URL_ENV);
  // The PostgreSQL demo records its database on the service through a service registry: the local fake's.
  process.env.APOLLO_SERVICE_REGISTRY_URL ??= `${fakes}/registry`;
  addTo(TEMPLATE_ENV, 'APOLLO_SERVICE_REGISTRY_URL');
  addTo(EGRESS_ALLOW_ENV, `${fakes}/`);
  // Terraform's notifications come back here (a tunnel's URL, set by hand, is kept: a real Terraform cannot reach loopback).
  if (!process.env[PUBLIC_URL_ENV] || process.env[PUBLIC_URL_ENV] === publicUrlSet) process.env[PUBLIC_URL_ENV] = publicUrlSet = runtime.url;
  // No execution survives a restart here: no fulfilment slot is held, and what was running is interrupted.
  await resetSlots();
  const interrupted = await markInterrupted();
  return [
    ...(interrupted ? [`Requests: ${interrupted} request(s) were running when Apollo stopped: marked interrupted (Retry resumes each from its last completed action)`] : []),
    `Requests: actions' secrets from ${runtime.home ? `${runtime.home}/integration-secrets.json` : 'memory'} (LOCAL; Secrets Manager in AWS); a LOCAL FAKE DNS API and webhook receiver at ${fakes}/ (what they received: that page), the only private address actions may call`,
  ];
}
