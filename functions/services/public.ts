/**
 * What other contexts may use of the services context: the only module of it they import
 * (`#functions/services/public`; functions/contexts.test.ts holds every context to that).
 */
export { catalogSnapshot } from './snapshot.ts';
export { byEnvOrder } from './shapes.ts';
// The GitHub webhook hands a push touching apollo.yaml to discovery.
export { discoveryStart } from './discovery-start.ts';
export { createJob as createDiscoveryJob } from './discovery-jobs.ts';
export { MANIFEST_PATH } from './discovery-config.ts';
