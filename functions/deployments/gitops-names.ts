/**
 * Names the GitOps repository and Apollo agree on, without the GitHub client (the webhooks Lambda reads a
 * push with them and stays light): the values file's default path and the trailer of Apollo's own commits.
 */
export const DEFAULT_GITOPS_PATH = 'apps/{service}/{environment}/values.yaml';
/** The trailer every commit Apollo makes ends with. */
export const DEPLOYMENT_TRAILER = 'Apollo-Deployment';
