import {
  CostExplorerClient,
  DataUnavailableException,
  GetAnomaliesCommand,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  GetReservationCoverageCommand,
  GetReservationUtilizationCommand,
  GetRightsizingRecommendationCommand,
  GetSavingsPlansCoverageCommand,
  GetSavingsPlansPurchaseRecommendationCommand,
  GetSavingsPlansUtilizationCommand,
  LimitExceededException,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError, ServiceUnavailableError } from '#shared/errors';
import type { CostLine } from '../ports.ts';
import { CostExplorerSource, REFUSED_ADVICE } from './cost-explorer.ts';

const ce = mockClient(CostExplorerClient);
afterEach(() => ce.reset());

const MONITOR = 'arn:aws:ce::210987654321:anomalymonitor/0f1e2d3c-0000-4000-8000-000000000001';
const NOVEMBER = { start: '2026-11-01', end: '2026-12-01' };
const DECEMBER = { start: '2026-12-01', end: '2027-01-01' };

const source = () => new CostExplorerSource({ client: new CostExplorerClient({ region: 'us-east-1' }), anomalyMonitorArn: MONITOR });
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });
const unavailable = () => new DataUnavailableException({ message: 'Insufficient amount of historical data', $metadata: {} });
const inputs = <T extends object>(command: new (input: never) => T) => ce.commandCalls(command as never).map((call) => call.args[0].input);
const money = (amount: string) => ({ Amount: amount, Unit: 'USD' });
const group = (service: string, awsService: string, cost: string, usage: { Amount: string; Unit: string } = { Amount: '1', Unit: 'N/A' }) => ({
  Keys: [`apollo:service$${service}`, awsService],
  Metrics: { UnblendedCost: money(cost), UsageQuantity: usage },
});

/** The ingest's query for one environment (or, null, the cost without the tag), page by page. */
const costQuery = (environment: string | null, token?: string): GetCostAndUsageCommandInput => ({
  TimePeriod: { Start: '2026-11-01', End: '2026-11-03' },
  Granularity: 'DAILY',
  Metrics: ['UnblendedCost', 'UsageQuantity'],
  GroupBy: [{ Type: 'TAG', Key: 'apollo:service' }, { Type: 'DIMENSION', Key: 'SERVICE' }],
  Filter: {
    Tags: environment === null
      ? { Key: 'apollo:environment', MatchOptions: ['ABSENT'] }
      : { Key: 'apollo:environment', Values: [environment], MatchOptions: ['EQUALS'] },
  },
  NextPageToken: token,
});

/** Cost Explorer's answers by (environment filter, page token). */
const COST_PAGES: Record<string, Partial<GetCostAndUsageCommandOutput>> = {
  'prod|': {
    ResultsByTime: [{
      TimePeriod: { Start: '2026-11-01', End: '2026-11-02' }, Estimated: false,
      Groups: [
        group('core-service', 'Amazon Relational Database Service', '41.2875', { Amount: '24', Unit: 'Hrs' }),
        group('core-service', 'Amazon Simple Storage Service', '0', { Amount: '0', Unit: 'GB-Mo' }),
      ],
    }],
    NextPageToken: 'prod-2',
  },
  'prod|prod-2': {
    ResultsByTime: [{
      TimePeriod: { Start: '2026-11-02', End: '2026-11-03' }, Estimated: true,
      Groups: [group('', 'EC2 - Other', '3.5')],
    }],
  },
  'staging|': {
    ResultsByTime: [{ TimePeriod: { Start: '2026-11-01', End: '2026-11-02' }, Estimated: false, Groups: [group('payments', 'AWS Lambda', '0.0042', { Amount: '120000', Unit: 'Requests' })] }],
  },
  'ABSENT|': {
    ResultsByTime: [{ TimePeriod: { Start: '2026-11-01', End: '2026-11-02' }, Estimated: false, Groups: [{ Keys: ['apollo:service$', 'Tax'], Metrics: { UnblendedCost: money('7'), UsageQuantity: { Amount: '0' } } }] }],
  },
};
const answerCosts = (input: GetCostAndUsageCommandInput) => {
  const tags = input.Filter?.Tags;
  const key = `${tags?.Values?.[0] ?? tags?.MatchOptions?.[0]}|${input.NextPageToken ?? ''}`;
  const page = COST_PAGES[key];
  if (!page) throw new Error(`no page for ${key}`);
  return page;
};

describe('CostExplorerSource.costs', () => {
  it('joins every page of one query per environment and one for untagged cost into day lines', async () => {
    // Prepare
    ce.on(GetCostAndUsageCommand).callsFake(answerCosts);
    const costs = source();

    // Act
    const lines = await costs.costs({ start: '2026-11-01', end: '2026-11-03' }, ['prod', 'staging']);

    // Assess
    expect(inputs(GetCostAndUsageCommand)).toEqual(expect.arrayContaining([costQuery('prod'), costQuery('prod', 'prod-2'), costQuery('staging'), costQuery(null)]));
    expect(inputs(GetCostAndUsageCommand)).toHaveLength(4);
    expect(lines).toEqual<CostLine[]>([
      { date: '2026-11-01', environment: 'prod', service: 'core-service', awsService: 'Amazon Relational Database Service', cost: 41.2875, usageQuantity: 24, usageUnit: 'Hrs', estimated: false },
      { date: '2026-11-02', environment: 'prod', service: null, awsService: 'EC2 - Other', cost: 3.5, usageQuantity: null, usageUnit: null, estimated: true },
      { date: '2026-11-01', environment: 'staging', service: 'payments', awsService: 'AWS Lambda', cost: 0.0042, usageQuantity: 120000, usageUnit: 'Requests', estimated: false },
      { date: '2026-11-01', environment: null, service: null, awsService: 'Tax', cost: 7, usageQuantity: null, usageUnit: null, estimated: false },
    ]);
    expect(costs.requests).toBe(4);
  });

  it('has at most two queries in flight, however many environments there are', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    ce.on(GetCostAndUsageCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return { ResultsByTime: [] };
    });
    const costs = source();

    // Act
    const lines = await costs.costs(NOVEMBER, ['dev', 'qa', 'staging', 'prod']);

    // Assess
    expect(lines).toEqual([]);
    expect(most).toBe(2);
    expect(costs.requests).toBe(5);
  });
});

describe('CostExplorerSource.anomalies', () => {
  it("reads every page of the monitor's anomalies, keeping those that start in the range", async () => {
    // Prepare
    ce.on(GetAnomaliesCommand)
      .resolvesOnce({
        Anomalies: [{
          AnomalyId: 'a-1', AnomalyStartDate: '2026-11-03T00:00:00Z', AnomalyEndDate: '2026-11-05T00:00:00Z', DimensionValue: 'Amazon Relational Database Service',
          RootCauses: [{ Service: 'Amazon Relational Database Service', Region: 'eu-west-1', UsageType: 'EU-InstanceUsage:db.r6g.2xl', LinkedAccount: '210987654321' }],
          AnomalyScore: { MaxScore: 0.87, CurrentScore: 0.4 }, Impact: { MaxImpact: 61.5, TotalImpact: 140.25, TotalActualSpend: 260.25, TotalExpectedSpend: 120 },
          MonitorArn: MONITOR, Feedback: 'YES',
        }],
        NextPageToken: 'anomalies-2',
      })
      .resolvesOnce({
        Anomalies: [
          { AnomalyId: 'a-2', AnomalyStartDate: '2026-11-20', RootCauses: [{ Service: 'AWS Lambda' }], AnomalyScore: { MaxScore: 0.3, CurrentScore: 0.3 }, Impact: { MaxImpact: 4 }, MonitorArn: MONITOR },
          // Started on the range's (exclusive) end: the next period's.
          { AnomalyId: 'a-3', AnomalyStartDate: '2026-12-01', AnomalyScore: { MaxScore: 0.5, CurrentScore: 0.5 }, Impact: { MaxImpact: 9, TotalImpact: 9 }, MonitorArn: MONITOR },
        ],
      });
    const costs = source();

    // Act
    const anomalies = await costs.anomalies(NOVEMBER);

    // Assess
    expect(inputs(GetAnomaliesCommand)).toEqual([
      { DateInterval: { StartDate: '2026-11-01', EndDate: '2026-12-01' }, MonitorArn: MONITOR, NextPageToken: undefined },
      { DateInterval: { StartDate: '2026-11-01', EndDate: '2026-12-01' }, MonitorArn: MONITOR, NextPageToken: 'anomalies-2' },
    ]);
    expect(anomalies).toEqual([
      {
        id: 'a-1', startDate: '2026-11-03', endDate: '2026-11-05', dimensionValue: 'Amazon Relational Database Service',
        rootCauses: [{ service: 'Amazon Relational Database Service', region: 'eu-west-1', usageType: 'EU-InstanceUsage:db.r6g.2xl', linkedAccount: '210987654321' }],
        totalImpact: 140.25, maxImpact: 61.5, totalActual: 260.25, totalExpected: 120, score: 0.87, feedback: 'YES',
      },
      {
        id: 'a-2', startDate: '2026-11-20', endDate: null, dimensionValue: null, rootCauses: [{ service: 'AWS Lambda' }],
        totalImpact: 0, maxImpact: 4, totalActual: null, totalExpected: null, score: 0.3, feedback: null,
      },
    ]);
    expect(Object.keys(anomalies[1]?.rootCauses[0] ?? {})).toEqual(['service']);
    expect(costs.requests).toBe(2);
  });
});

describe('CostExplorerSource.forecast', () => {
  it('answers the mean and the summed 80 % bounds, a month without bounds counting at its mean', async () => {
    // Prepare
    ce.on(GetCostForecastCommand).resolves({
      Total: money('2500.5'),
      ForecastResultsByTime: [
        { TimePeriod: { Start: '2026-12-05', End: '2027-01-01' }, MeanValue: '1500.5', PredictionIntervalLowerBound: '1300', PredictionIntervalUpperBound: '1750.25' },
        { TimePeriod: { Start: '2027-01-01', End: '2027-01-10' }, MeanValue: '1000' },
      ],
    });

    // Act
    const forecast = await source().forecast({ start: '2026-12-05', end: '2027-01-10' });

    // Assess
    expect(inputs(GetCostForecastCommand)).toEqual([
      { TimePeriod: { Start: '2026-12-05', End: '2027-01-10' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY', PredictionIntervalLevel: 80 },
    ]);
    expect(forecast).toEqual({ start: '2026-12-05', end: '2027-01-10', mean: 2500.5, lower: 2300, upper: 2750.25 });
  });

  it('is null while Cost Explorer has too little history', async () => {
    ce.on(GetCostForecastCommand).rejects(unavailable());
    const costs = source();
    expect(await costs.forecast(DECEMBER)).toBeNull();
    expect(costs.requests).toBe(1);
  });
});

describe('CostExplorerSource.coverage', () => {
  it('answers RI coverage and use, and Savings Plans coverage (all pages) with no use when there are no plans', async () => {
    // Prepare
    ce.on(GetReservationCoverageCommand).resolves({
      CoveragesByTime: [],
      Total: { CoverageHours: { OnDemandHours: '540', ReservedHours: '180', TotalRunningHours: '720', CoverageHoursPercentage: '25' }, CoverageCost: { OnDemandCost: '88.4' } },
    });
    ce.on(GetReservationUtilizationCommand).resolves({ UtilizationsByTime: [], Total: { UtilizationPercentage: '93.75', PurchasedHours: '192', TotalActualHours: '180' } });
    ce.on(GetSavingsPlansCoverageCommand)
      .resolvesOnce({ SavingsPlansCoverages: [{ TimePeriod: { Start: '2026-11-01', End: '2026-12-01' }, Coverage: { SpendCoveredBySavingsPlans: '0', OnDemandCost: '400', TotalCost: '400', CoveragePercentage: '0' } }], NextToken: 'sp-2' })
      .resolvesOnce({ SavingsPlansCoverages: [{ TimePeriod: { Start: '2026-12-01', End: '2026-12-05' }, Coverage: { SpendCoveredBySavingsPlans: '0', OnDemandCost: '60.5', TotalCost: '60.5', CoveragePercentage: '0' } }] });
    ce.on(GetSavingsPlansUtilizationCommand).rejects(unavailable());
    const costs = source();
    const range = { start: '2026-11-01', end: '2026-12-05' };

    // Act
    const coverage = await costs.coverage(range);

    // Assess
    expect(inputs(GetSavingsPlansCoverageCommand)).toEqual([
      { TimePeriod: { Start: '2026-11-01', End: '2026-12-05' }, Granularity: 'MONTHLY', NextToken: undefined },
      { TimePeriod: { Start: '2026-11-01', End: '2026-12-05' }, Granularity: 'MONTHLY', NextToken: 'sp-2' },
    ]);
    expect(coverage).toEqual([
      { kind: 'reserved-instances', ...range, coveragePercent: 25, utilizationPercent: 93.75, onDemandCost: 88.4 },
      { kind: 'savings-plans', ...range, coveragePercent: 0, utilizationPercent: null, onDemandCost: 460.5 },
    ]);
    expect(costs.requests).toBe(5);
  });

  it('says null, not 0 %, where there is nothing to cover and no commitment', async () => {
    ce.on(GetReservationCoverageCommand).rejects(unavailable());
    ce.on(GetReservationUtilizationCommand).resolves({ UtilizationsByTime: [], Total: { UtilizationPercentage: '0', PurchasedHours: '0' } });
    ce.on(GetSavingsPlansCoverageCommand).resolves({ SavingsPlansCoverages: [] });
    ce.on(GetSavingsPlansUtilizationCommand).resolves({ Total: { Utilization: { TotalCommitment: '0', UtilizationPercentage: '0' } } });

    expect(await source().coverage(DECEMBER)).toEqual([
      { kind: 'reserved-instances', ...DECEMBER, coveragePercent: null, utilizationPercent: null, onDemandCost: 0 },
      { kind: 'savings-plans', ...DECEMBER, coveragePercent: null, utilizationPercent: null, onDemandCost: 0 },
    ]);
  });
});

describe('CostExplorerSource.recommendations', () => {
  it("answers the Savings Plans purchase and every page of EC2 rightsizing in a sentence each", async () => {
    // Prepare
    ce.on(GetSavingsPlansPurchaseRecommendationCommand).resolves({
      SavingsPlansPurchaseRecommendation: { SavingsPlansPurchaseRecommendationSummary: { HourlyCommitmentToPurchase: '1.2', EstimatedMonthlySavingsAmount: '312.4' } },
    });
    ce.on(GetRightsizingRecommendationCommand)
      .resolvesOnce({
        RightsizingRecommendations: [{
          RightsizingType: 'MODIFY',
          CurrentInstance: { ResourceId: 'i-0abc1234', ResourceDetails: { EC2ResourceDetails: { InstanceType: 'm5.2xlarge' } } },
          ModifyRecommendationDetail: {
            TargetInstances: [
              { ResourceDetails: { EC2ResourceDetails: { InstanceType: 'm5.large' } }, EstimatedMonthlySavings: '180', DefaultTargetInstance: false },
              { ResourceDetails: { EC2ResourceDetails: { InstanceType: 'm5.xlarge' } }, EstimatedMonthlySavings: '140.16', DefaultTargetInstance: true },
            ],
          },
        }],
        NextPageToken: 'rs-2',
      })
      .resolvesOnce({
        RightsizingRecommendations: [{
          RightsizingType: 'TERMINATE',
          CurrentInstance: { ResourceId: 'i-0def5678', ResourceDetails: { EC2ResourceDetails: { InstanceType: 't3.medium' } } },
          TerminateRecommendationDetail: { EstimatedMonthlySavings: '30.37' },
        }],
      });
    const costs = source();

    // Act
    const recommendations = await costs.recommendations();

    // Assess
    expect(inputs(GetSavingsPlansPurchaseRecommendationCommand)).toEqual([
      { SavingsPlansType: 'COMPUTE_SP', TermInYears: 'ONE_YEAR', PaymentOption: 'NO_UPFRONT', LookbackPeriodInDays: 'THIRTY_DAYS' },
    ]);
    expect(inputs(GetRightsizingRecommendationCommand)).toEqual([
      { Service: 'AmazonEC2', NextPageToken: undefined },
      { Service: 'AmazonEC2', NextPageToken: 'rs-2' },
    ]);
    expect(recommendations).toEqual([
      { kind: 'savings-plans', action: 'Buy a 1-year Compute Savings Plan of $1.20/hour (no upfront)', resourceId: null, monthlySaving: 312.4 },
      { kind: 'rightsizing', action: 'Modify i-0abc1234 from m5.2xlarge to m5.xlarge', resourceId: 'i-0abc1234', monthlySaving: 140.16 },
      { kind: 'rightsizing', action: 'Terminate i-0def5678 (t3.medium), idle', resourceId: 'i-0def5678', monthlySaving: 30.37 },
    ]);
    expect(costs.requests).toBe(3);
  });

  it('is empty while Cost Explorer has no data, and without a saving to buy', async () => {
    ce.on(GetSavingsPlansPurchaseRecommendationCommand).resolves({ SavingsPlansPurchaseRecommendation: { SavingsPlansPurchaseRecommendationSummary: { HourlyCommitmentToPurchase: '0', EstimatedMonthlySavingsAmount: '0' } } });
    ce.on(GetRightsizingRecommendationCommand).rejects(unavailable());
    expect(await source().recommendations()).toEqual([]);
  });
});

describe('CostExplorerSource refusals', () => {
  it.each([
    ['a role without ce:Get*', 'User: arn:aws:sts::210987654321:assumed-role/apollo-costs/ingest is not authorized to perform: ce:GetCostAndUsage'],
    ['Cost Explorer never enabled', 'User not enabled for cost explorer access'],
  ])('says what to do when access is denied (%s)', async (_case, message) => {
    // Prepare
    ce.on(GetCostAndUsageCommand).rejects(awsError('AccessDeniedException', message));
    const costs = source();

    // Act
    const ingest = costs.costs(NOVEMBER, ['prod']);

    // Assess
    await expect(ingest).rejects.toBeInstanceOf(ForbiddenError);
    await expect(ingest).rejects.toThrow(`Cost Explorer refused GetCostAndUsage (${message}): ${REFUSED_ADVICE}`);
    expect(REFUSED_ADVICE).toBe('enable Cost Explorer and activate the cost allocation tags apollo:service and apollo:environment in the Billing console; the role needs ce:Get*');
  });

  it('stops sending after the first refusal', async () => {
    ce.on(GetCostAndUsageCommand).rejects(awsError('AccessDeniedException', 'User not enabled for cost explorer access'));
    const costs = source();
    await expect(costs.costs(NOVEMBER, ['dev', 'qa', 'staging', 'prod'])).rejects.toBeInstanceOf(ForbiddenError);
    // The two already in flight when the first was refused, no more.
    expect(costs.requests).toBe(2);
  });

  it('says to come back later when the throttle outlasts the retries', async () => {
    ce.on(GetAnomaliesCommand).rejects(new LimitExceededException({ message: 'Rate exceeded', $metadata: {} }));
    const anomalies = source().anomalies(NOVEMBER);
    await expect(anomalies).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(anomalies).rejects.toThrow('Cost Explorer is throttling GetAnomalies (Rate exceeded): run the cost ingest again in a few minutes');
  });
});
