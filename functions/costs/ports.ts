/**
 * What the costs context needs from outside: Cost Explorer's answers, in its own terms (days as
 * `yyyy-mm-dd`, end dates exclusive, amounts in USD), so the AWS adapter passes calls through and the local
 * demo source answers the same questions from a generated history. Cost Explorer charges per request
 * ($0.01): only the daily cost-ingest job calls a source, never a person's request.
 */

/** The cost allocation tags Apollo groups by (activated in the Billing console; ARCHITECTURE.md §3). */
export const COST_TAGS = { service: 'apollo:service', environment: 'apollo:environment' } as const;

/** A period as Cost Explorer takes it: `start` inclusive, `end` exclusive, both `yyyy-mm-dd`. */
export interface DateRange {
  readonly start: string;
  readonly end: string;
}

/**
 * One day's unblended cost of one (environment tag, service tag, AWS service), as GetCostAndUsage groups it
 * (DAILY; GroupBy TAG apollo:service and DIMENSION SERVICE, filtered by the apollo:environment tag).
 */
export interface CostLine {
  /** The day (TimePeriod.Start). */
  readonly date: string;
  /** The apollo:environment tag's value; null for cost without it. */
  readonly environment: string | null;
  /** The apollo:service tag's value; null for cost without it ("apollo:service$" in Cost Explorer's keys). */
  readonly service: string | null;
  /** The SERVICE dimension's value, e.g. "Amazon Relational Database Service", "EC2 - Other". */
  readonly awsService: string;
  /** UnblendedCost, USD. */
  readonly cost: number;
  /** UsageQuantity, when Cost Explorer gives one that means something (its unit is not "N/A"). */
  readonly usageQuantity: number | null;
  readonly usageUnit: string | null;
  /** Cost Explorer's `Estimated`: the day's figures may still be revised. */
  readonly estimated: boolean;
}

/** A Cost Anomaly Detection anomaly (GetAnomalies), as far as Apollo shows it. */
export interface SourceAnomaly {
  readonly id: string;
  /** The anomaly's first day (AnomalyStartDate, as a day). */
  readonly startDate: string;
  readonly endDate: string | null;
  /** The monitor's dimension value (e.g. the AWS service) the anomaly is on. */
  readonly dimensionValue: string | null;
  readonly rootCauses: ReadonlyArray<{ readonly service?: string; readonly region?: string; readonly usageType?: string; readonly linkedAccount?: string }>;
  /** TotalImpact (USD over the anomaly) and MaxImpact (the worst day's). */
  readonly totalImpact: number;
  readonly maxImpact: number;
  readonly totalActual: number | null;
  readonly totalExpected: number | null;
  /** AnomalyScore.MaxScore. */
  readonly score: number;
  readonly feedback: string | null;
}

/** GetCostForecast's answer for a period: the mean and its 80 % prediction interval, USD. */
export interface SourceForecast {
  readonly start: string;
  readonly end: string;
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
}

/** Reserved Instances' or Savings Plans' coverage and utilization over a period (GetReservationCoverage / …Utilization, GetSavingsPlansCoverage / …Utilization). */
export interface SourceCoverage {
  readonly kind: 'reserved-instances' | 'savings-plans';
  readonly start: string;
  readonly end: string;
  /** The share of eligible usage (hours for RIs, spend for Savings Plans) covered, 0–100; null when there is none. */
  readonly coveragePercent: number | null;
  /** The share of the commitment used, 0–100; null when there is no commitment. */
  readonly utilizationPercent: number | null;
  /** On-demand cost of the uncovered usage, USD. */
  readonly onDemandCost: number;
}

/** A Savings Plans purchase or an EC2 rightsizing Cost Explorer recommends (GetSavingsPlansPurchaseRecommendation, GetRightsizingRecommendation). */
export interface SourceRecommendation {
  readonly kind: 'savings-plans' | 'rightsizing';
  /** What to do, in a sentence ("Buy a 1-year Compute Savings Plan of $1.20/hour", "Modify i-0abc… from m5.2xlarge to m5.xlarge"). */
  readonly action: string;
  /** The resource (an instance id) when there is one. */
  readonly resourceId: string | null;
  readonly monthlySaving: number;
  /** The instance's apollo:service and apollo:environment tags (rightsizing), when it has them. */
  readonly service?: string;
  readonly environment?: string;
}

export interface CostSource {
  /** The LOCAL demo source (said in the UI and the banner), not Cost Explorer. */
  readonly simulated: boolean;
  /** What it is, for the banner and the UI ("AWS Cost Explorer", "LOCAL demo Cost Explorer: …"). */
  readonly label: string;
  /** Requests made to Cost Explorer so far (each is billed): the ingest job reports it, the bench counts it. */
  readonly requests: number;
  /**
   * Every CostLine in the range, all pages (NextPageToken) of one GetCostAndUsage per environment and one
   * for cost without an environment tag. `environments` are the catalog's.
   */
  costs(range: DateRange, environments: readonly string[]): Promise<CostLine[]>;
  /** Cost Anomaly Detection's anomalies whose start is in the range, all pages. */
  anomalies(range: DateRange): Promise<SourceAnomaly[]>;
  /** The forecast for [start, end) (start no earlier than today); null when Cost Explorer has too little history (DataUnavailableException). */
  forecast(range: DateRange): Promise<SourceForecast | null>;
  /** RI and Savings Plans coverage and utilization over the range. */
  coverage(range: DateRange): Promise<SourceCoverage[]>;
  /** Cost Explorer's own recommendations (Savings Plans purchases, EC2 rightsizing). */
  recommendations(): Promise<SourceRecommendation[]>;
}

/** The short resource type of an AWS service name (the cost record's `resourceType`), e.g. `rds`, `ec2`, `ebs`. */
export function resourceTypeOf(awsService: string): string {
  const known: Record<string, string> = {
    'Amazon Elastic Compute Cloud - Compute': 'ec2',
    'EC2 - Other': 'ebs',
    'Amazon Elastic Container Service for Kubernetes': 'eks',
    'Amazon Elastic Kubernetes Service': 'eks',
    'Amazon Relational Database Service': 'rds',
    'Amazon ElastiCache': 'elasticache',
    'Amazon Managed Streaming for Apache Kafka': 'msk',
    'Amazon Simple Storage Service': 's3',
    'AWS Lambda': 'lambda',
    'Amazon DynamoDB': 'dynamodb',
    'Amazon Elastic Load Balancing': 'elb',
    'Elastic Load Balancing': 'elb',
    'Amazon CloudWatch': 'cloudwatch',
    AmazonCloudWatch: 'cloudwatch',
    'Amazon Virtual Private Cloud': 'vpc',
    'AWS Data Transfer': 'data-transfer',
    'Amazon OpenSearch Service': 'opensearch',
    'Amazon Simple Queue Service': 'sqs',
    'Amazon Simple Notification Service': 'sns',
    'AWS Secrets Manager': 'secrets-manager',
    'Amazon Elastic Container Registry (ECR)': 'ecr',
    'Amazon EC2 Container Registry (ECR)': 'ecr',
    Tax: 'tax',
  };
  return known[awsService] ?? (awsService.replace(/^(Amazon|AWS)\s+/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'other');
}

// ---------------------------------------------------------------- Kubernetes allocation (OpenCost / Kubecost)

/**
 * One workload's share of a cluster's cost over a window, as OpenCost's (and Kubecost's) allocation API gives it
 * aggregated by namespace and controller; the cluster's idle cost (capacity nobody requested) comes as its own
 * allocation with `idle` set, never spread over the workloads.
 */
export interface WorkloadAllocation {
  readonly cluster: string;
  /** Null only for idle cost. */
  readonly namespace: string | null;
  /** The controller's name (a Deployment, a StatefulSet…); null for idle or unallocated cost. */
  readonly workload: string | null;
  readonly workloadKind: string | null;
  /** The cluster's idle cost (OpenCost's `__idle__`). */
  readonly idle: boolean;
  /** The window, `yyyy-mm-dd` days: start inclusive, end exclusive. */
  readonly start: string;
  readonly end: string;
  readonly cpuCost: number;
  readonly ramCost: number;
  readonly pvCost: number;
  readonly networkCost: number;
  readonly loadBalancerCost: number;
  readonly gpuCost: number;
  readonly totalCost: number;
  /** Averages over the window: what the pods asked for and what they used. Null when the source does not say. */
  readonly cpuCoresRequested: number | null;
  readonly cpuCoresUsed: number | null;
  readonly ramBytesRequested: number | null;
  readonly ramBytesUsed: number | null;
  /** The pods' labels the source reports (app.kubernetes.io/name maps a workload to a catalog service). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface AllocationSource {
  /** The LOCAL fake (said in the UI and the banner), not a cluster's OpenCost. */
  readonly simulated: boolean;
  readonly label: string;
  /** The clusters it can answer for (each has its own OpenCost or Kubecost endpoint). */
  readonly clusters: readonly string[];
  /** A cluster's allocations for each day of the range (one window per day), idle included. */
  allocations(cluster: string, range: DateRange): Promise<WorkloadAllocation[]>;
}

// ---------------------------------------------------------------- storage nobody uses (EC2: EBS volumes, snapshots)

/** An EBS volume attached to nothing, or a snapshot old enough to question, with what it costs a month. */
export interface IdleStorage {
  readonly kind: 'volume' | 'snapshot';
  /** vol-… or snap-… */
  readonly id: string;
  readonly region: string;
  readonly sizeGiB: number;
  /** gp3, gp2, io1, io2, st1, sc1, standard; for a snapshot: standard or archive. */
  readonly type: string;
  readonly createdAt: string;
  /** A volume: available (attached to nothing); a snapshot: completed. */
  readonly state: string;
  /** The apollo:service and apollo:environment tags, when it has them. */
  readonly service: string | null;
  readonly environment: string | null;
  /** A snapshot's source volume, and whether that volume still exists. */
  readonly volumeId: string | null;
  readonly sourceVolumeExists: boolean | null;
  /** What it costs a month at list price (us-east-1), USD. */
  readonly monthlyCost: number;
}

export interface StorageSource {
  readonly simulated: boolean;
  readonly label: string;
  /** Unattached volumes and the account's own snapshots older than `snapshotDays`, in the configured regions. */
  idleStorage(options: { readonly snapshotDays: number }): Promise<IdleStorage[]>;
}
