/**
 * What other contexts may use of the incidents context: the only module of it they import
 * (`#functions/incidents/public`; functions/contexts.test.ts holds every context to that).
 */
// The webhooks context verifies PagerDuty's signature, then hands the event here.
export { applyPagerDutySignal } from './pagerduty-inbound.ts';
export { parsePagerDutyWebhook, type PagerDutySignal } from './pagerduty-events.ts';
export { pagerDutySecretsOf, verifyPagerDutySignature, PAGERDUTY_SIGNATURE_HEADER, PAGERDUTY_WEBHOOK_ID_HEADER } from './adapters/pagerduty-signature.ts';
export { PAGERDUTY_WEBHOOK_SECRET } from './deps.ts';
// The AI console's read tools (functions/ai/tools) read incidents as the GET routes do.
export { listIncidents, requireIncident } from './records.ts';
export { incidentTimeline } from './timeline.ts';
export { incidentRunbook } from './runbook.ts';
// …and its postmortem, with the facts it is drafted from (the `postmortem` command).
export { readPostmortem } from './records.ts';
export { postmortemFacts, type PostmortemFacts } from './postmortem-facts.ts';
// The secret-expiry job opens an incident for an overdue secret of a critical service in production.
export { openIncident } from './lifecycle.ts';
