/**
 * What other contexts may use of the offerings context: the only module of it they import
 * (`#functions/offerings/public`; functions/contexts.test.ts holds every context to that).
 */
// The GitHub webhook hands a push to the catalog repository to the catalog refresh.
export { catalogRepoName, isCatalogDocument, readCatalogRefreshConfig, type CatalogRefreshConfig } from './refresh-config.ts';
export { refreshStart } from './refresh-start.ts';
export { createRefreshJob } from './refresh-jobs.ts';
// Submitting a request checks the offering and the form's values here.
export { checkRequest, checkValues, type RequestableOffering } from './request-check.ts';
export type { Caller as OfferingCaller } from './shapes.ts';
// The requests context's team quotas name each resource's unit before any request has counted against it.
export { quotaScopes, quotaUnits } from './snapshot.ts';
// The request analytics name offerings, their owners and targets (SLA, manual baseline) as the catalog does now.
export { offeringFacts, type OfferingFacts } from './snapshot.ts';
