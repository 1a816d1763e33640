/**
 * The local runtime's SIMULATED Cost Explorer: the demo services' spend as a pure function of the day, so a
 * fresh `npm start` shows months of believable history, the same on every laptop, with nothing stored and
 * nothing random (the only noise is an FNV-1a hash of the line's key, as in ../../observability/adapters/demo-logs.ts).
 *
 * The model, per (day, environment tag, service tag, AWS service):
 * - Level: prod monthly spend as the design doc's allocation tree prices it on {@link LEVEL_DATE}: core-service
 *   $150, notification-service $80, violations-service $60, frontend $40, any other app by size (small $25,
 *   medium $70, large $150); a datastore by kind and size (postgres, rds large, $200; redis, elasticache small,
 *   $80; kafka, msk medium, $180). Staging costs 40 % and dev 25 % of prod.
 * - Split: an app's spend is 75 % EC2 compute, 15 % EBS ("EC2 - Other") and 10 % load balancer; a datastore's is
 *   all its managed service. Each environment adds its EKS control plane ($0.10/hour, exactly) and CloudWatch,
 *   tagged with the environment only; NAT gateways, data transfer and S3 carry no tags at all (about 7 % of
 *   the total: the "untagged" the UI lists).
 * - Time: spend grows ~6 % a month (compounded from LEVEL_DATE, so a day's figure never depends on when it is
 *   asked); apps and CloudWatch dip at weekends (non-prod ~30 %, the dev clusters scale down; prod ~8 %), with
 *   weekdays raised to keep the weekly mean at the level; every line but the EKS fee carries ±4 % noise.
 * - The anomaly (a demo deploy): from its `from` day on, that service's EC2 compute and EBS in that environment
 *   cost `factor`×, and Cost Anomaly Detection reports it.
 * - Cost Explorer's habits: no day from today on; the last 2 complete days are `estimated` and 3 % short of
 *   their final figure, so an ingest that revisits them sees them revised.
 */
import { fnv1a as hash } from '#lib/fnv';
import type { CostLine, CostSource, DateRange, SourceAnomaly, SourceCoverage, SourceForecast, SourceRecommendation } from '../ports.ts';

/** One demo catalog entry: what it is decides which AWS services it bills. */
export interface DemoCostService {
  readonly service: string;
  readonly team: string;
  readonly environments: readonly string[];
  readonly kind: 'app' | 'rds' | 'elasticache' | 'msk';
  /** Default small. */
  readonly size?: 'small' | 'medium' | 'large';
}

/** A demo deploy that raised a service's compute cost. */
export interface DemoCostAnomaly {
  readonly service: string;
  readonly environment: string;
  /** The first day (`yyyy-mm-dd`) that costs more. */
  readonly from: string;
  /** How many times its usual compute and EBS spend it costs from then on. */
  readonly factor: number;
}

export interface DemoCostOptions {
  /** The demo catalog: each service, its team, where it runs, and what it is. */
  readonly services: readonly DemoCostService[];
  /**
   * The demo deploy that raised a service's cost; asked on every call rather than at construction, because the
   * demo deployments are seeded after the runtime starts.
   */
  readonly anomaly?: () => Promise<DemoCostAnomaly | null>;
  /** Today (tests); default Date.now. */
  readonly now?: () => number;
}

/** The day the allocation tree's figures describe; the trend compounds forwards and backwards from it. */
export const LEVEL_DATE = '2026-12-01';
/** Monthly growth of every line but the EKS fee. */
const GROWTH_PER_MONTH = 0.06;
const DAYS_PER_MONTH = 365.25 / 12;
const DAY_MS = 86_400_000;
/** Cost Explorer's last complete days still marked Estimated, and how short of final they are. */
const ESTIMATED_DAYS = 2;
const ESTIMATED_SHORTFALL = 0.03;
const NOISE = 0.04;

export const AWS = {
  compute: 'Amazon Elastic Compute Cloud - Compute',
  ec2Other: 'EC2 - Other',
  elb: 'Amazon Elastic Load Balancing',
  rds: 'Amazon Relational Database Service',
  elasticache: 'Amazon ElastiCache',
  msk: 'Amazon Managed Streaming for Apache Kafka',
  eks: 'Amazon Elastic Container Service for Kubernetes',
  cloudWatch: 'Amazon CloudWatch',
  dataTransfer: 'AWS Data Transfer',
  s3: 'Amazon Simple Storage Service',
} as const;

/** Prod monthly USD at LEVEL_DATE for the services the allocation tree names; the rest go by kind and size. */
const NAMED_PROD_MONTHLY: Readonly<Record<string, number>> = { 'core-service': 150, 'notification-service': 80, 'violations-service': 60, frontend: 40 };
const PROD_MONTHLY_BY_KIND = {
  app: { small: 25, medium: 70, large: 150 },
  rds: { small: 60, medium: 120, large: 200 },
  elasticache: { small: 80, medium: 140, large: 260 },
  msk: { small: 100, medium: 180, large: 360 },
} as const;
const MANAGED_SERVICE = { rds: AWS.rds, elasticache: AWS.elasticache, msk: AWS.msk } as const;
/** An app's spend by AWS service. */
const APP_SPLIT = [[AWS.compute, 0.75], [AWS.ec2Other, 0.15], [AWS.elb, 0.10]] as const;
/** An environment's share of prod's spend; any other environment costs what staging does. */
const ENVIRONMENT_SHARE: Readonly<Record<string, number>> = { prod: 1, staging: 0.4, dev: 0.25 };
const EKS_DAILY = 0.10 * 24;
const PROD_CLOUDWATCH_MONTHLY = 45;
/** Untagged monthly USD at LEVEL_DATE: NAT gateways, data transfer out, S3. */
const UNTAGGED_MONTHLY = [[AWS.ec2Other, 73, false], [AWS.dataTransfer, 45, true], [AWS.s3, 27, false]] as const;
/** The on-demand rate the EC2 hours are counted at (m6i.xlarge, us-east-1). */
const EC2_HOURLY = 0.192;
/** A weekend day's spend against a weekday's, for lines that follow the working week. */
const WEEKEND = { prod: 0.92, other: 0.7 } as const;
/** RI and Savings Plans coverage and utilization, percent, before a range's wobble (±1.5 points, ±0.75 for utilization). */
const COVERAGE = { 'reserved-instances': { coverage: 61, utilization: 94 }, 'savings-plans': { coverage: 47, utilization: 99 } } as const;

/** How one line's day is priced, before noise, the anomaly and estimation. */
interface LineModel {
  readonly environment: string | null;
  readonly service: string | null;
  readonly awsService: string;
  /** USD a day at LEVEL_DATE. */
  readonly daily: number;
  readonly grows: boolean;
  readonly weekly: boolean;
  readonly noisy: boolean;
  readonly usage: 'ec2-hours' | 'eks-hours' | null;
}

/** A number in [-1, 1) fixed by the text. */
const unit = (text: string): number => (hash(text) / 2 ** 32) * 2 - 1;
const round = (n: number, places = 4): number => Math.round(n * 10 ** places) / 10 ** places;
const dayNumber = (date: string): number => {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(t)) throw new RangeError(`not a yyyy-mm-dd day: ${date}`);
  return t / DAY_MS;
};
const dayOf = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);
const isWeekend = (n: number): boolean => [0, 6].includes(new Date(n * DAY_MS).getUTCDay());

/** The days of [start, end) before `today`, as day numbers: Cost Explorer has no future. */
function pastDays(range: DateRange, today: number): number[] {
  const days: number[] = [];
  for (let n = dayNumber(range.start); n < Math.min(dayNumber(range.end), today); n++) days.push(n);
  return days;
}

/** A weekday's or weekend day's factor, scaled so that a week averages 1 and the monthly level holds. */
function weekFactor(environment: string | null, n: number): number {
  const weekend = environment === 'prod' || environment === null ? WEEKEND.prod : WEEKEND.other;
  const weekday = 7 / (5 + 2 * weekend);
  return isWeekend(n) ? weekday * weekend : weekday;
}

const prodMonthly = (s: DemoCostService): number =>
  NAMED_PROD_MONTHLY[s.service] ?? PROD_MONTHLY_BY_KIND[s.kind][s.size ?? 'small'];
const share = (environment: string): number => ENVIRONMENT_SHARE[environment] ?? ENVIRONMENT_SHARE.staging!;

/** The lines one environment's services bill, then the environment's own. */
function environmentLines(services: readonly DemoCostService[], environment: string): LineModel[] {
  const lines: LineModel[] = [];
  for (const s of services.filter((x) => x.environments.includes(environment))) {
    const daily = (prodMonthly(s) * share(environment)) / DAYS_PER_MONTH;
    const base = { environment, service: s.service, grows: true, noisy: true } as const;
    if (s.kind === 'app') {
      for (const [awsService, part] of APP_SPLIT) lines.push({ ...base, awsService, daily: daily * part, weekly: true, usage: awsService === AWS.compute ? 'ec2-hours' : null });
    } else {
      lines.push({ ...base, awsService: MANAGED_SERVICE[s.kind], daily, weekly: false, usage: null });
    }
  }
  lines.push({ environment, service: null, awsService: AWS.eks, daily: EKS_DAILY, grows: false, weekly: false, noisy: false, usage: 'eks-hours' });
  lines.push({ environment, service: null, awsService: AWS.cloudWatch, daily: (PROD_CLOUDWATCH_MONTHLY * share(environment)) / DAYS_PER_MONTH, grows: true, weekly: true, noisy: true, usage: null });
  return lines;
}

const UNTAGGED_LINES: readonly LineModel[] = UNTAGGED_MONTHLY.map(([awsService, monthly, weekly]) => ({
  environment: null, service: null, awsService, daily: monthly / DAYS_PER_MONTH, grows: true, weekly, noisy: true, usage: null,
}));

const isAnomalous = (line: LineModel, anomaly: DemoCostAnomaly | null): anomaly is DemoCostAnomaly =>
  anomaly !== null && line.service === anomaly.service && line.environment === anomaly.environment && (line.awsService === AWS.compute || line.awsService === AWS.ec2Other);

/** A line's final USD on day `n`: `noise` off gives the model's expectation (the forecast's). */
function amount(line: LineModel, n: number, anomaly: DemoCostAnomaly | null, noise = true): number {
  let cost = line.daily;
  if (line.grows) cost *= (1 + GROWTH_PER_MONTH) ** ((n - dayNumber(LEVEL_DATE)) / DAYS_PER_MONTH);
  if (line.weekly) cost *= weekFactor(line.environment, n);
  if (noise && line.noisy) cost *= 1 + NOISE * unit(`${dayOf(n)}#${line.environment ?? ''}#${line.service ?? ''}#${line.awsService}`);
  if (isAnomalous(line, anomaly) && n >= dayNumber(anomaly.from)) cost *= anomaly.factor;
  return cost;
}

/** The line as Cost Explorer reports day `n` when today is `today`. */
function report(line: LineModel, n: number, today: number, anomaly: DemoCostAnomaly | null): CostLine {
  const estimated = n >= today - ESTIMATED_DAYS;
  const cost = amount(line, n, anomaly) * (estimated ? 1 - ESTIMATED_SHORTFALL : 1);
  const hours = line.usage === 'ec2-hours' ? cost / EC2_HOURLY : line.usage === 'eks-hours' ? 24 * (estimated ? 1 - ESTIMATED_SHORTFALL : 1) : null;
  return {
    date: dayOf(n),
    environment: line.environment,
    service: line.service,
    awsService: line.awsService,
    cost: round(cost),
    usageQuantity: hours === null ? null : round(hours),
    usageUnit: hours === null ? null : 'Hrs',
    estimated,
  };
}

/**
 * One service's final spend on one day in one environment, all its AWS services summed (0 where it does not
 * run), with `anomaly` applied when given.
 */
export function demoDailyCost(options: Pick<DemoCostOptions, 'services'>, date: string, environment: string, service: string, anomaly: DemoCostAnomaly | null = null): number {
  const n = dayNumber(date);
  return round(environmentLines(options.services, environment)
    .filter((line) => line.service === service)
    .reduce((sum, line) => sum + amount(line, n, anomaly), 0));
}

/** A UUID-shaped id fixed by the text, as Cost Anomaly Detection's ids look. */
function uuidOf(text: string): string {
  const hex = [0, 1, 2, 3].map((i) => hash(`${text}#${i}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class DemoCostSource implements CostSource {
  readonly simulated = true;
  readonly label = 'LOCAL demo Cost Explorer (generated spend for the demo services, not AWS)';
  readonly #services: readonly DemoCostService[];
  readonly #anomaly: () => Promise<DemoCostAnomaly | null>;
  readonly #now: () => number;
  #requests = 0;

  constructor(options: DemoCostOptions) {
    this.#services = options.services;
    this.#anomaly = options.anomaly ?? (async () => null);
    this.#now = options.now ?? Date.now;
  }

  /** Requests a real Cost Explorer would have billed for the calls so far. */
  get requests(): number {
    return this.#requests;
  }

  async costs(range: DateRange, environments: readonly string[]): Promise<CostLine[]> {
    this.#requests += environments.length + 1;
    const anomaly = await this.#anomaly();
    const today = this.#today();
    const lines = [...environments.flatMap((e) => environmentLines(this.#services, e)), ...UNTAGGED_LINES];
    return pastDays(range, today).flatMap((n) => lines.map((line) => report(line, n, today, anomaly)));
  }

  async anomalies(range: DateRange): Promise<SourceAnomaly[]> {
    this.#requests += 1;
    const anomaly = await this.#anomaly();
    const today = this.#today();
    if (!anomaly) return [];
    const from = dayNumber(anomaly.from);
    if (from < dayNumber(range.start) || from >= dayNumber(range.end) || from >= today) return [];
    const lines = environmentLines(this.#services, anomaly.environment).filter((line) => isAnomalous(line, anomaly));
    if (lines.length === 0) return [];
    const days = pastDays({ start: anomaly.from, end: dayOf(today) }, today);
    const daily = days.map((n) => {
      const actual = lines.reduce((sum, line) => sum + report(line, n, today, anomaly).cost, 0);
      const expected = lines.reduce((sum, line) => sum + report(line, n, today, null).cost, 0);
      return { actual, expected };
    });
    const totalActual = daily.reduce((sum, d) => sum + d.actual, 0);
    const totalExpected = daily.reduce((sum, d) => sum + d.expected, 0);
    return [{
      id: uuidOf(`${anomaly.service}#${anomaly.environment}#${anomaly.from}`),
      startDate: anomaly.from,
      endDate: null,
      dimensionValue: AWS.compute,
      rootCauses: [{ service: AWS.compute, region: 'us-east-1', usageType: 'BoxUsage:m6i.xlarge', linkedAccount: '000000000000' }],
      totalImpact: round(totalActual - totalExpected, 2),
      maxImpact: round(Math.max(...daily.map((d) => d.actual - d.expected)), 2),
      totalActual: round(totalActual, 2),
      totalExpected: round(totalExpected, 2),
      // Anomaly Detection scores a doubling around 80; bigger jumps score higher.
      score: Math.min(99, Math.round(60 + 20 * Math.log2(Math.max(1, anomaly.factor)))),
      feedback: null,
    }];
  }

  async forecast(range: DateRange): Promise<SourceForecast | null> {
    this.#requests += 1;
    const anomaly = await this.#anomaly();
    const lines = this.#allLines();
    let mean = 0;
    for (let n = dayNumber(range.start); n < dayNumber(range.end); n++) {
      for (const line of lines) mean += amount(line, n, anomaly, false);
    }
    return { start: range.start, end: range.end, mean: round(mean, 2), lower: round(mean * 0.92, 2), upper: round(mean * 1.08, 2) };
  }

  async coverage(range: DateRange): Promise<SourceCoverage[]> {
    this.#requests += 4;
    const anomaly = await this.#anomaly();
    const today = this.#today();
    const compute = this.#allLines().filter((line) => line.awsService === AWS.compute);
    const spend = pastDays(range, today).reduce((sum, n) => sum + compute.reduce((s, line) => s + report(line, n, today, anomaly).cost, 0), 0);
    return (['reserved-instances', 'savings-plans'] as const).map((kind) => {
      const wobble = (key: string) => unit(`${range.start}#${range.end}#${kind}#${key}`);
      const coveragePercent = round(COVERAGE[kind].coverage + 1.5 * wobble('coverage'), 2);
      const utilizationPercent = round(COVERAGE[kind].utilization + 0.75 * wobble('utilization'), 2);
      return { kind, start: range.start, end: range.end, coveragePercent, utilizationPercent, onDemandCost: round(spend * (1 - coveragePercent / 100), 2) };
    });
  }

  async recommendations(): Promise<SourceRecommendation[]> {
    this.#requests += 1;
    const today = this.#today();
    // The steady spend: the last 30 days as the model expects them, without the demo deploy's anomaly.
    const compute = this.#allLines().filter((line) => line.awsService === AWS.compute);
    let month = 0;
    for (let n = today - 30; n < today; n++) month += compute.reduce((sum, line) => sum + amount(line, n, null, false), 0);
    const commitment = round((0.6 * month) / 30 / 24, 2);
    const biggest = [...this.#services].filter((s) => s.kind === 'app' && s.environments.includes('prod')).sort((a, b) => prodMonthly(b) - prodMonthly(a))[0];
    const modifyMonthly = (0.384 - EC2_HOURLY) * 730;
    return [
      { kind: 'savings-plans', action: `Buy a 1-year Compute Savings Plan of $${commitment.toFixed(2)}/hour`, resourceId: null, monthlySaving: round(0.2 * commitment * 730, 2) },
      {
        kind: 'rightsizing',
        action: `Modify i-0a1b2c3d4e5f60001${biggest ? ` (${biggest.service}, prod)` : ''} from m6i.2xlarge to m6i.xlarge`,
        resourceId: 'i-0a1b2c3d4e5f60001',
        // Only the on-demand part saves: reserved instances cover the rest.
        monthlySaving: round(modifyMonthly * (1 - COVERAGE['reserved-instances'].coverage / 100), 2),
        ...(biggest ? { service: biggest.service, environment: 'prod' } : {}),
      },
      { kind: 'rightsizing', action: 'Terminate i-0a1b2c3d4e5f60002, an idle t3.large in dev', resourceId: 'i-0a1b2c3d4e5f60002', monthlySaving: round(0.0832 * 730, 2), environment: 'dev' },
    ];
  }

  #today(): number {
    return Math.floor(this.#now() / DAY_MS);
  }

  /** Every line of every environment the catalog runs in, and the untagged ones. */
  #allLines(): LineModel[] {
    const environments = [...new Set(this.#services.flatMap((s) => s.environments))];
    return [...environments.flatMap((e) => environmentLines(this.#services, e)), ...UNTAGGED_LINES];
  }
}
