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
// Deployments read a service's environments (cluster, namespace, what runs) and record what they deployed.
export { listEnvironments, recordDeployment, type DeployedState } from './environments.ts';
// Incidents match the runbook of their alert (the runbooks' trigger index).
export { runbooksForAlert } from './runbooks.ts';
// The AI console's read tools (functions/ai/tools) read the catalog as its GET routes do.
export { getService } from './services.ts';
export { dependencyGraph } from './dependencies.ts';
export { listRunbooks } from './runbooks.ts';
export { serviceHealth } from './service-health.ts';
// The AI console asks before it proposes a pull request (POST …/changes) whether the route would let the user open it.
export { requireServiceOwner } from './services.ts';
// The AI console's `upgrade` reads a service's dependency manifests with Apollo's GitHub credentials.
export { readRepositoryFile, type RepositoryFile } from './repository-files.ts';
