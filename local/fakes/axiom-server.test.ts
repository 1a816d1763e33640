/** LOCAL FAKE Axiom: its tabular answers, the APL subset it reads (and the 400 for the rest), its token and org checks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAxiomServer, parseApl } from './axiom-server.ts';

let fake: FakeAxiomServer;

/** What the tests read of an answer: the tabular result, or an error. */
interface Answer {
  format?: string;
  status?: Record<string, unknown>;
  tables: Array<{ fields: unknown; columns: unknown[][] }>;
  code?: number;
  message?: string;
}

beforeAll(async () => {
  fake = await FakeAxiomServer.start({
    token: 'xaat-test',
    orgId: 'acme-x1y2',
    datasets: {
      logs: [
        { _time: '2026-12-05T05:45:00.000Z', service: 'core-service', environment: 'prod', message: 'INFO started', status: 200 },
        { _time: '2026-12-05T05:45:02.000Z', service: 'core-service', environment: 'prod', message: 'ERROR HikariPool-1 - Connection is not available', status: 500 },
        { _time: '2026-12-05T05:45:03.000Z', service: 'billing', environment: 'prod', message: 'ERROR card declined', status: 402 },
        { _time: '2026-12-05T06:30:00.000Z', service: 'core-service', environment: 'prod', message: 'ERROR late', status: 500 },
      ],
    },
  });
});
afterAll(async () => { await fake.close(); });

const query = async (apl: string, options: { token?: string; org?: string; format?: string; range?: [string, string] } = {}) => {
  const res = await fetch(`${fake.url}/v1/datasets/_apl?format=${options.format ?? 'tabular'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token ?? 'xaat-test'}`, 'content-type': 'application/json', ...(options.org ? { 'x-axiom-org-id': options.org } : {}) },
    body: JSON.stringify({ apl, ...(options.range ? { startTime: options.range[0], endTime: options.range[1] } : {}) }),
  });
  return { status: res.status, fake: res.headers.get('x-apollo-fake'), body: await res.json() as Answer };
};

describe('the fake Axiom query API', () => {
  it('answers the tabular format: fields, column-major columns, rows matched and examined, within the body\'s range', async () => {
    // Act
    const answer = await query(`['logs']\n| where service == "core-service" and ['environment'] == 'prod'\n| where message contains_cs "ERROR"\n| order by _time asc\n| take 5`, {
      range: ['2026-12-05T05:00:00Z', '2026-12-05T06:00:00Z'],
    });
    // Assess
    expect(answer).toMatchObject({ status: 200, fake: 'LOCAL FAKE' });
    expect(answer.body.format).toBe('tabular');
    expect(answer.body.status).toMatchObject({ rowsExamined: 3, rowsMatched: 1, isPartial: false });
    expect(answer.body.tables).toEqual([{
      name: '0',
      sources: [{ name: 'logs' }],
      fields: [{ name: '_time', type: 'datetime' }, { name: 'environment', type: 'string' }, { name: 'message', type: 'string' }, { name: 'service', type: 'string' }, { name: 'status', type: 'integer' }],
      order: [{ name: '_time', desc: false }],
      groups: [],
      columns: [['2026-12-05T05:45:02.000Z'], ['prod'], ['ERROR HikariPool-1 - Connection is not available'], ['core-service'], [500]],
    }]);
    expect(fake.requests.at(-1)).toMatchObject({ format: 'tabular', startTime: '2026-12-05T05:00:00Z', endTime: '2026-12-05T06:00:00Z' });
  });

  it('reads _time comparisons, between, search, has, take and project; newest first without order', async () => {
    const answer = await query(`['logs'] | where _time between (datetime(2026-12-05T05:45:00Z) .. datetime(2026-12-05T05:45:03Z)) | search "error" | where message has "declined" | project _time, service`);
    expect(answer.body.tables[0]!.fields).toEqual([{ name: '_time', type: 'datetime' }, { name: 'service', type: 'string' }]);
    expect(answer.body.tables[0]!.columns).toEqual([['2026-12-05T05:45:03.000Z'], ['billing']]);
    const newest = await query(`['logs'] | where _time > datetime(2026-12-05T05:45:00.000Z) | take 2`);
    expect(newest.body.tables[0]!.columns[0]).toEqual(['2026-12-05T06:30:00.000Z', '2026-12-05T05:45:03.000Z']);
    expect(newest.body.status!.rowsMatched).toBe(3);
  });

  it('answers 400 with the line and column for APL outside its subset, 404 for an unknown dataset', async () => {
    const unknown = await query(`['logs']\n| summarize count() by service`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      code: 400,
      message: "this fake reads where, search, order by, sort by, take, limit and project; not 'summarize' (line 2, column 3)",
      detail: { errorType: 1, message: "this fake reads where, search, order by, sort by, take, limit and project; not 'summarize'", line: 2, column: 3 },
    });
    expect((await query(`['logs'] | where _time >= datetime(yesterday)`)).body.message).toMatch(/datetime\(yesterday\) is not an RFC 3339 instant/);
    expect((await query(`['audit'] | take 1`))).toMatchObject({ status: 404, body: { code: 404, message: "dataset 'audit' not found" } });
    expect(() => parseApl(`['logs'] | where message == "unterminated`)).toThrow('unterminated string literal');
  });

  it('refuses a wrong token (401), another org (403) and the legacy format', async () => {
    expect(await query(`['logs'] | take 1`, { token: 'xaat-wrong' })).toMatchObject({ status: 401, body: { code: 401, message: 'invalid token' } });
    expect(await query(`['logs'] | take 1`, { org: 'someone-else' })).toMatchObject({ status: 403, body: { code: 403 } });
    expect((await query(`['logs'] | take 1`, { org: 'acme-x1y2' })).status).toBe(200);
    expect(await query(`['logs'] | take 1`, { format: 'legacy' })).toMatchObject({ status: 400, body: { message: 'this fake answers format=tabular only' } });
  });

  it('answers a canned status once when a test asks (a rate limit)', async () => {
    fake.respondNext({ status: 429, body: { code: 429, message: 'rate limit exceeded' }, headers: { 'x-ratelimit-reset': '1764913000' } });
    expect(await query(`['logs'] | take 1`)).toMatchObject({ status: 429, body: { message: 'rate limit exceeded' } });
    expect((await query(`['logs'] | take 1`)).status).toBe(200);
  });
});
