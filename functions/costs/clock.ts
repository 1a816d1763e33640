/**
 * Today, for the costs context's reads: Date.now, which tests pin. Kept apart from ./deps.ts so the REST Lambda
 * never bundles the Cost Explorer, EC2 or OpenCost adapters (only the cost-ingest job asks them).
 */
let clock: () => number = Date.now;

export const costsNow = (): number => clock();

export function setCostsClock(now: () => number): void {
  clock = now;
}
