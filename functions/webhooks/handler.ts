/**
 * The webhooks context: senders are verified by their signature (the route table's `hmac` routes:
 * no IAM), then their events are handed to the context they concern. GitHub → the catalog refresh
 * (the catalog repository) or discovery (the organisation's other repositories); Terraform and JIRA →
 * the request action waiting for that run or ticket; PagerDuty → the incidents context.
 */
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '#shared/errors';
import { inRanges } from '#lib/cidr';
import { createApiHandler, json, type SignedRequest } from '#lib/http';
import validators from '#schemas/validators/webhooks.gen.cjs';
import { githubCredentials } from '#lib/github/credentials';
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { GITHUB_SENDER, handleGitHubDelivery } from './github.ts';
import { isValidSignature, SIGNATURE_HEADER } from './github-signature.ts';
import { handleJira, handleTerraform, verifyExternal } from './external.ts';
import { handlePagerDuty, verifyPagerDuty } from './pagerduty.ts';

/** The webhook secret from the GitHub credentials (Secrets Manager, or the local settings). */
async function webhookSecret(): Promise<string> {
  try {
    const credentials = await githubCredentials().credentials();
    if (credentials.webhookSecret) return credentials.webhookSecret;
  } catch (error) {
    if (!(error instanceof GitHubNotConfiguredError)) throw error;
  }
  throw new ServiceUnavailableError('the GitHub webhook is not configured');
}

/**
 * `APOLLO_WEBHOOK_SOURCES_<SENDER>` (GITHUB, TERRAFORM, JIRA): the addresses a sender's deliveries may come
 * from (comma-separated CIDRs, e.g. GitHub's published hook ranges); unset, any address (the signature decides).
 */
function checkSource(request: SignedRequest): void {
  const sender = request.route.path.slice(request.route.path.lastIndexOf('/') + 1).toUpperCase();
  const allowed = process.env[`APOLLO_WEBHOOK_SOURCES_${sender}`];
  if (allowed && !inRanges(request.sourceIp, allowed)) throw new ForbiddenError(`deliveries from ${request.sourceIp || 'an unknown address'} are not accepted (APOLLO_WEBHOOK_SOURCES_${sender})`);
}

async function verifySender(request: SignedRequest): Promise<string> {
  checkSource(request);
  if (request.route.path === '/api/v1/webhooks/pagerduty') return verifyPagerDuty(request);
  if (request.route.path !== '/api/v1/webhooks/github') return verifyExternal(request);
  return verifyGitHub(request);
}

async function verifyGitHub(request: SignedRequest): Promise<string> {
  // The same answer for a missing and a wrong signature: nothing about why.
  if (!request.headers[SIGNATURE_HEADER]) throw new UnauthorizedError('invalid signature');
  if (!isValidSignature(await webhookSecret(), request.rawBody, request.headers[SIGNATURE_HEADER])) throw new UnauthorizedError('invalid signature');
  return GITHUB_SENDER;
}

export const handler = createApiHandler('webhooks', {
  'POST /api/v1/webhooks/github': async (req) => {
    const event = req.headers['x-github-event'] ?? '';
    const delivery = req.headers['x-github-delivery'] ?? '';
    // The body as parsed serialises the same for the same signed body: the replay fingerprint.
    const result = await handleGitHubDelivery(event, delivery, req.body, JSON.stringify(req.body));
    req.audit.resourceId = req.body.repository?.full_name ?? req.body.repository?.name ?? 'github';
    return json(200, result);
  },
  'POST /api/v1/webhooks/terraform': async (req) => {
    const result = await handleTerraform(req.body, JSON.stringify(req.body));
    req.audit.resourceId = req.body.run_id ?? 'verification';
    return json(200, result);
  },
  'POST /api/v1/webhooks/jira': async (req) => {
    const result = await handleJira(req.body, JSON.stringify(req.body), req.headers['x-atlassian-webhook-identifier']);
    req.audit.resourceId = req.body.issue?.key ?? 'jira';
    return json(200, result);
  },
  'POST /api/v1/webhooks/pagerduty': async (req) => {
    const result = await handlePagerDuty(req.body, JSON.stringify(req.body), req.headers['x-webhook-id']);
    req.audit.resourceId = result.incidentId ?? (req.body.event as { data?: { id?: string } }).data?.id ?? 'pagerduty';
    return json(200, result);
  },
}, { verifySender, validators });
