/**
 * The AI console's read tools (ARCHITECTURE.md §6; its changes are actions.ts), each reading through another context's
 * public module with the session user's permissions. The turn runner builds the model's tool list from TOOLS and
 * checks `permission`, `timeoutMs` and `outputLimit` around every call; built-in commands run them the same way.
 */
import { myAccess, catalogEnvironment } from './access.ts';
import { awsDescribe } from './aws.ts';
import { costsService, costsSummaryTool } from './costs.ts';
import { catalogDependencies, catalogService, runbookRun, serviceHealthTool, serviceRunbooks } from './catalog.ts';
import { repoDependencies } from './dependencies.ts';
import { repoFile } from './repo-file.ts';
import { deploymentHistoryTool, deploymentPreflightTool } from './deployments.ts';
import { incidentGet, incidentsList } from './incidents.ts';
import { k8sRead } from './k8s.ts';
import { incidentPostmortem } from './postmortem.ts';
import { errorGroups, logsSearch } from './logs.ts';
import { metricsCompareVersions, metricsService, promqlQuery } from './metrics.ts';
import { traceGet, tracesRecent } from './traces.ts';
import type { ToolDef } from './types.ts';

export const TOOLS: readonly ToolDef[] = [
  catalogService, catalogDependencies, catalogEnvironment, serviceRunbooks, runbookRun, serviceHealthTool,
  deploymentHistoryTool, deploymentPreflightTool,
  incidentsList, incidentGet, incidentPostmortem,
  logsSearch, errorGroups,
  metricsService, metricsCompareVersions, promqlQuery,
  traceGet, tracesRecent,
  k8sRead, awsDescribe,
  repoDependencies, repoFile,
  costsService, costsSummaryTool,
  myAccess,
];

const BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

export function toolNamed(name: string): ToolDef | undefined {
  return BY_NAME.get(name);
}
