/**
 * The costs context's answers from AWS Cost Explorer itself. Calls pass through in Cost Explorer's own terms
 * (ports.ts); what is mapped here is only its shapes: amount strings to numbers, `apollo:service$value` group
 * keys to tag values, and the refusals a new account meets (Cost Explorer not enabled, tags not activated,
 * a role without ce:Get*) to a message that says what to do. Every request is billed ($0.01), so each one
 * is counted (`requests`) and the per-environment queries run two at a time: Cost Explorer throttles hard.
 * Each attempt has a time limit (the SDK sets none: a Cost Explorer that never answers would hold the ingest
 * until its Lambda is killed, the run never recorded); the SDK's retries then go as they go for a throttle.
 */
import {
  CostExplorerClient,
  type CostExplorerClientConfig,
  GetAnomaliesCommand,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  GetReservationCoverageCommand,
  GetReservationUtilizationCommand,
  GetRightsizingRecommendationCommand,
  GetSavingsPlansCoverageCommand,
  GetSavingsPlansPurchaseRecommendationCommand,
  GetSavingsPlansUtilizationCommand,
  type Anomaly,
  type DateInterval,
  type Expression,
  type ForecastResult,
  type ResultByTime,
  type RightsizingRecommendation,
  type SavingsPlansCoverage,
} from '@aws-sdk/client-cost-explorer';
import { ForbiddenError, ServiceUnavailableError } from '#shared/errors';
import { networkError } from '#lib/network-errors';
import { COST_TAGS, type CostLine, type CostSource, type DateRange, type SourceAnomaly, type SourceCoverage, type SourceForecast, type SourceRecommendation } from '../ports.ts';

/** Cost Explorer's only endpoint is in us-east-1, whatever region Apollo runs in. */
const COST_EXPLORER_REGION = 'us-east-1';
/** Queries in flight at once: Cost Explorer's request rate is low and the SDK's retries only go so far. */
const CONCURRENCY = 2;
/** A year of daily lines for every service fits in far fewer; more means a token that never ends. */
export const MAX_PAGES = 100;
/** After the SDK's own retries gave up on a throttle, a few minutes is what Cost Explorer usually needs. */
const RETRY_AFTER_SECONDS = 300;
/** One attempt's limit: a 90-day GetCostAndUsage page takes seconds; three tries of this stay well inside the job's 600 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** What to do when Cost Explorer refuses, said once so every refusal reads the same. */
export const REFUSED_ADVICE =
  `enable Cost Explorer and activate the cost allocation tags ${COST_TAGS.service} and ${COST_TAGS.environment} in the Billing console; the role needs ce:Get*`;

/** Cost Explorer's client: in us-east-1, each attempt (connecting included) ending after `timeoutMs`. */
export function costExplorerClient(timeoutMs: number = DEFAULT_TIMEOUT_MS, config: CostExplorerClientConfig = {}): CostExplorerClient {
  return new CostExplorerClient({
    region: COST_EXPLORER_REGION,
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 5_000), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
    ...config,
  });
}

export interface CostExplorerSourceOptions {
  /** @default costExplorerClient(timeoutMs) */
  readonly client?: CostExplorerClient;
  /** Each attempt's limit, for the default client and the messages. @default DEFAULT_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** The Cost Anomaly Detection monitor whose anomalies Apollo shows. @default every monitor's */
  readonly anomalyMonitorArn?: string;
}

export class CostExplorerSource implements CostSource {
  readonly simulated = false;
  readonly label = 'AWS Cost Explorer';
  private readonly client: CostExplorerClient;
  private readonly anomalyMonitorArn: string | undefined;
  private readonly timeoutMs: number;
  private sent = 0;

  constructor(options: CostExplorerSourceOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.client = options.client ?? costExplorerClient(this.timeoutMs);
    this.anomalyMonitorArn = options.anomalyMonitorArn;
  }

  get requests(): number {
    return this.sent;
  }

  async costs(range: DateRange, environments: readonly string[]): Promise<CostLine[]> {
    const byEnvironment = await mapBounded([...environments, null], CONCURRENCY, (environment) => this.costLines(range, environment));
    return byEnvironment.flat();
  }

  async anomalies(range: DateRange): Promise<SourceAnomaly[]> {
    const pages = await this.pages(
      'GetAnomalies',
      (token) => this.client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: range.start, EndDate: range.end }, MonitorArn: this.anomalyMonitorArn, NextPageToken: token })),
      (page) => page.NextPageToken,
    );
    // Cost Explorer's EndDate is "the last date observed" (inclusive, by its docs); the port's end is exclusive.
    return pages.flatMap((page) => page.Anomalies ?? []).map(anomalyOf).filter((anomaly) => anomaly.startDate >= range.start && anomaly.startDate < range.end);
  }

  async forecast(range: DateRange): Promise<SourceForecast | null> {
    const answer = await unlessUnavailable(this.call('GetCostForecast', () =>
      this.client.send(new GetCostForecastCommand({ TimePeriod: periodOf(range), Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY', PredictionIntervalLevel: 80 }))));
    if (answer === null) return null;
    const mean = amountOf(answer.Total?.Amount);
    const months = answer.ForecastResultsByTime ?? [];
    const bound = (pick: (month: ForecastResult) => string | undefined): number =>
      months.length === 0 ? mean : sum(months.map((month) => amountOf(pick(month) ?? month.MeanValue)));
    return { start: range.start, end: range.end, mean, lower: bound((month) => month.PredictionIntervalLowerBound), upper: bound((month) => month.PredictionIntervalUpperBound) };
  }

  async coverage(range: DateRange): Promise<SourceCoverage[]> {
    // One after another: four requests are not worth a throttle.
    return [await this.reservedInstances(range), await this.savingsPlans(range)];
  }

  async recommendations(): Promise<SourceRecommendation[]> {
    return [...(await this.savingsPlansPurchase()), ...(await this.rightsizing())];
  }

  /** Every page of one GetCostAndUsage: one environment's cost, or (null) the cost without the tag. */
  private async costLines(range: DateRange, environment: string | null): Promise<CostLine[]> {
    const filter: Expression = {
      Tags: environment === null
        ? { Key: COST_TAGS.environment, MatchOptions: ['ABSENT'] }
        : { Key: COST_TAGS.environment, Values: [environment], MatchOptions: ['EQUALS'] },
    };
    const pages = await this.pages(
      'GetCostAndUsage',
      (token) => this.client.send(new GetCostAndUsageCommand({
        TimePeriod: periodOf(range),
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost', 'UsageQuantity'],
        GroupBy: [{ Type: 'TAG', Key: COST_TAGS.service }, { Type: 'DIMENSION', Key: 'SERVICE' }],
        Filter: filter,
        NextPageToken: token,
      })),
      (page) => page.NextPageToken,
    );
    return pages.flatMap((page) => page.ResultsByTime ?? []).flatMap((day) => costLinesOf(day, environment));
  }

  /** RI hours covered (EC2: Cost Explorer's default when no SERVICE filter is given) and the RIs' use. */
  private async reservedInstances(range: DateRange): Promise<SourceCoverage> {
    const coverage = await unlessUnavailable(this.call('GetReservationCoverage', () =>
      this.client.send(new GetReservationCoverageCommand({ TimePeriod: periodOf(range), Granularity: 'MONTHLY' }))));
    const utilization = await unlessUnavailable(this.call('GetReservationUtilization', () =>
      this.client.send(new GetReservationUtilizationCommand({ TimePeriod: periodOf(range), Granularity: 'MONTHLY' }))));
    const hours = coverage?.Total?.CoverageHours;
    const total = utilization?.Total;
    return {
      kind: 'reserved-instances',
      start: range.start,
      end: range.end,
      coveragePercent: amountOf(hours?.TotalRunningHours) > 0 ? amountOf(hours?.CoverageHoursPercentage) : null,
      utilizationPercent: total && amountOf(total.PurchasedHours) > 0 ? amountOf(total.UtilizationPercentage) : null,
      onDemandCost: amountOf(coverage?.Total?.CoverageCost?.OnDemandCost),
    };
  }

  /** Savings Plans' share of eligible spend (every page, one per month) and the plans' use. */
  private async savingsPlans(range: DateRange): Promise<SourceCoverage> {
    const pages = await unlessUnavailable(this.pages(
      'GetSavingsPlansCoverage',
      (token) => this.client.send(new GetSavingsPlansCoverageCommand({ TimePeriod: periodOf(range), Granularity: 'MONTHLY', NextToken: token })),
      (page) => page.NextToken,
    ));
    const utilization = await unlessUnavailable(this.call('GetSavingsPlansUtilization', () =>
      this.client.send(new GetSavingsPlansUtilizationCommand({ TimePeriod: periodOf(range), Granularity: 'MONTHLY' }))));
    const months = (pages ?? []).flatMap((page) => page.SavingsPlansCoverages ?? []);
    const commitment = utilization?.Total?.Utilization;
    return {
      kind: 'savings-plans',
      start: range.start,
      end: range.end,
      coveragePercent: savingsPlansCoverageOf(months),
      utilizationPercent: commitment && amountOf(commitment.TotalCommitment) > 0 ? amountOf(commitment.UtilizationPercentage) : null,
      onDemandCost: sum(months.map((month) => amountOf(month.Coverage?.OnDemandCost))),
    };
  }

  /** The summary is on the first page; later pages only list per-account details Apollo does not show. */
  private async savingsPlansPurchase(): Promise<SourceRecommendation[]> {
    const answer = await unlessUnavailable(this.call('GetSavingsPlansPurchaseRecommendation', () =>
      this.client.send(new GetSavingsPlansPurchaseRecommendationCommand({ SavingsPlansType: 'COMPUTE_SP', TermInYears: 'ONE_YEAR', PaymentOption: 'NO_UPFRONT', LookbackPeriodInDays: 'THIRTY_DAYS' }))));
    const summary = answer?.SavingsPlansPurchaseRecommendation?.SavingsPlansPurchaseRecommendationSummary;
    const monthlySaving = amountOf(summary?.EstimatedMonthlySavingsAmount);
    if (!summary || monthlySaving <= 0) return [];
    const hourly = amountOf(summary.HourlyCommitmentToPurchase);
    return [{ kind: 'savings-plans', action: `Buy a 1-year Compute Savings Plan of $${hourly.toFixed(2)}/hour (no upfront)`, resourceId: null, monthlySaving }];
  }

  private async rightsizing(): Promise<SourceRecommendation[]> {
    const pages = await unlessUnavailable(this.pages(
      'GetRightsizingRecommendation',
      (token) => this.client.send(new GetRightsizingRecommendationCommand({ Service: 'AmazonEC2', NextPageToken: token })),
      (page) => page.NextPageToken,
    ));
    return (pages ?? []).flatMap((page) => page.RightsizingRecommendations ?? []).flatMap(rightsizingOf);
  }

  /** Every page of one operation, in order. */
  private async pages<Page>(operation: string, request: (token: string | undefined) => Promise<Page>, nextOf: (page: Page) => string | undefined): Promise<Page[]> {
    const pages: Page[] = [];
    let token: string | undefined;
    do {
      if (pages.length === MAX_PAGES) throw new ServiceUnavailableError(`Cost Explorer answered more than ${MAX_PAGES} pages of ${operation}: narrow the period`);
      const page: Page = await this.call(operation, () => request(token));
      pages.push(page);
      token = nextOf(page);
    } while (token);
    return pages;
  }

  /** One billed request: counted whether or not it succeeds, its refusal said in Apollo's terms. */
  private async call<Answer>(operation: string, request: () => Promise<Answer>): Promise<Answer> {
    this.sent += 1;
    try {
      return await request();
    } catch (error) {
      throw explain(error, operation, this.timeoutMs);
    }
  }
}

/**
 * AccessDeniedException is both "the role lacks ce:Get*" and "User not enabled for cost explorer access"
 * (Cost Explorer never opened in the console): one message covers both. A throttle that outlasted the SDK's
 * retries becomes a 503 with a wait. Everything else passes through unchanged, DataUnavailableException
 * included (callers decide what "no data yet" means).
 */
function explain(error: unknown, operation: string, timeoutMs: number): unknown {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AccessDeniedException' || /not enabled for cost explorer/i.test(message)) {
    return new ForbiddenError(`Cost Explorer refused ${operation} (${message}): ${REFUSED_ADVICE}`, { cause: error });
  }
  if (name === 'LimitExceededException' || name === 'ThrottlingException') {
    return new ServiceUnavailableError(`Cost Explorer is throttling ${operation} (${message}): run the cost ingest again in a few minutes`, { cause: error, retryAfterSeconds: RETRY_AFTER_SECONDS });
  }
  const sdk = (error ?? {}) as { code?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; $response?: unknown };
  if (name === 'TimeoutError' || sdk.code === 'ETIMEDOUT') {
    return new ServiceUnavailableError(`Cost Explorer did not answer ${operation} within ${timeoutMs / 1000} s (each of the SDK's tries): run the cost ingest again later`, { cause: error });
  }
  // What the SDK's retries gave up on, named as Cost Explorer's: its own failure, an answer it could not read, no answer.
  if (sdk.$fault === 'server' || (sdk.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new ServiceUnavailableError(`Cost Explorer failed ${operation} (${sdk.$metadata?.httpStatusCode ?? 'server error'}: ${message.slice(0, 200)}): run the cost ingest again later`, { cause: error });
  }
  if (sdk.$response !== undefined || name === 'SyntaxError') {
    return new ServiceUnavailableError(`Cost Explorer answered ${operation} with something that is not its JSON (a proxy in the way?): ${message.slice(0, 120)}`, { cause: error });
  }
  if (typeof sdk.code === 'string' && /^E[A-Z_]+$/.test(sdk.code)) {
    return new ServiceUnavailableError(`Cost Explorer could not be reached for ${operation}: ${networkError(error)}`, { cause: error });
  }
  return error;
}

/** Cost Explorer's "too little history" (a new account, no Savings Plans): null, not an error. */
async function unlessUnavailable<Answer>(request: Promise<Answer>): Promise<Answer | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof Error && error.name === 'DataUnavailableException') return null;
    throw error;
  }
}

/** `work` over `items`, at most `limit` at a time, answers in the items' order; the first failure stops new work. */
async function mapBounded<Item, Answer>(items: readonly Item[], limit: number, work: (item: Item) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        answers[index] = await work(items[index] as Item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return answers;
}

function costLinesOf(day: ResultByTime, environment: string | null): CostLine[] {
  const date = day.TimePeriod?.Start;
  if (!date) throw new Error('GetCostAndUsage answered a result without TimePeriod.Start');
  return (day.Groups ?? []).flatMap((group): CostLine[] => {
    const cost = amountOf(group.Metrics?.UnblendedCost?.Amount);
    if (cost === 0) return [];
    const usage = group.Metrics?.UsageQuantity;
    // Grouped by service, usage mixes units (hours, GB, requests): Cost Explorer then says "N/A".
    const unit = usage?.Unit && usage.Unit !== 'N/A' && usage.Amount !== undefined ? usage.Unit : null;
    return [{
      date,
      environment,
      service: tagValueOf(group.Keys?.[0]),
      awsService: group.Keys?.[1] ?? 'Unknown',
      cost,
      usageQuantity: unit === null ? null : amountOf(usage?.Amount),
      usageUnit: unit,
      estimated: day.Estimated === true,
    }];
  });
}

/** `apollo:service$core-service` → `core-service`; `apollo:service$` (cost without the tag) → null. Tag keys cannot hold `$`, so the first one splits. */
function tagValueOf(key: string | undefined): string | null {
  if (key === undefined) return null;
  const value = key.slice(key.indexOf('$') + 1);
  return value === '' ? null : value;
}

function anomalyOf(anomaly: Anomaly): SourceAnomaly {
  return {
    id: anomaly.AnomalyId ?? '',
    // Either a day or a full timestamp ("2026-11-03T00:00:00Z"): the day is what Apollo keeps.
    startDate: (anomaly.AnomalyStartDate ?? '').slice(0, 10),
    endDate: anomaly.AnomalyEndDate ? anomaly.AnomalyEndDate.slice(0, 10) : null,
    dimensionValue: anomaly.DimensionValue ?? null,
    rootCauses: (anomaly.RootCauses ?? []).map((cause) => definedOnly({ service: cause.Service, region: cause.Region, usageType: cause.UsageType, linkedAccount: cause.LinkedAccount })),
    totalImpact: anomaly.Impact?.TotalImpact ?? 0,
    maxImpact: anomaly.Impact?.MaxImpact ?? 0,
    totalActual: anomaly.Impact?.TotalActualSpend ?? null,
    totalExpected: anomaly.Impact?.TotalExpectedSpend ?? null,
    score: anomaly.AnomalyScore?.MaxScore ?? 0,
    feedback: anomaly.Feedback ?? null,
  };
}

/** MODIFY goes to Cost Explorer's default target (else its first); one without a current type or a target is skipped. */
function rightsizingOf(recommendation: RightsizingRecommendation): SourceRecommendation[] {
  const instance = recommendation.CurrentInstance;
  const id = instance?.ResourceId;
  const type = instance?.ResourceDetails?.EC2ResourceDetails?.InstanceType;
  if (!id || !type) return [];
  // The instance's own tags say whose it is (a node of one service's group, say).
  const tag = (key: string) => instance?.Tags?.find((t) => t.Key === key)?.Values?.find(Boolean);
  const service = tag(COST_TAGS.service);
  const environment = tag(COST_TAGS.environment);
  const owner = { ...(service ? { service } : {}), ...(environment ? { environment } : {}) };
  if (recommendation.RightsizingType === 'TERMINATE') {
    return [{ kind: 'rightsizing', action: `Terminate ${id} (${type}), idle`, resourceId: id, monthlySaving: amountOf(recommendation.TerminateRecommendationDetail?.EstimatedMonthlySavings), ...owner }];
  }
  const targets = recommendation.ModifyRecommendationDetail?.TargetInstances ?? [];
  const target = targets.find((candidate) => candidate.DefaultTargetInstance) ?? targets[0];
  const targetType = target?.ResourceDetails?.EC2ResourceDetails?.InstanceType;
  if (recommendation.RightsizingType !== 'MODIFY' || !target || !targetType) return [];
  return [{ kind: 'rightsizing', action: `Modify ${id} from ${type} to ${targetType}`, resourceId: id, monthlySaving: amountOf(target.EstimatedMonthlySavings), ...owner }];
}

/** Covered spend over eligible spend; one month is Cost Explorer's own figure, several are weighted by spend. */
function savingsPlansCoverageOf(months: readonly SavingsPlansCoverage[]): number | null {
  const eligible = sum(months.map((month) => amountOf(month.Coverage?.TotalCost)));
  if (eligible <= 0) return null;
  const only = months.length === 1 ? months[0]?.Coverage?.CoveragePercentage : undefined;
  if (only !== undefined) return amountOf(only);
  return (100 * sum(months.map((month) => amountOf(month.Coverage?.SpendCoveredBySavingsPlans)))) / eligible;
}

function periodOf(range: DateRange): DateInterval {
  return { Start: range.start, End: range.end };
}

/** Cost Explorer's amounts are decimal strings ("12.3456789"); a missing one is nothing. */
function amountOf(amount: string | undefined): number {
  const value = Number(amount ?? 0);
  return Number.isFinite(value) ? value : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
