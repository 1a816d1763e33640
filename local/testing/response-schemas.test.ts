import { describe, expect, it } from 'vitest';
import { checkResponse, ResponseSchemaError } from './response-schemas.ts';

const json = new Headers({ 'content-type': 'application/json' });
const team = { id: 'platform', name: 'Platform', description: '', createdAt: '2026-12-01T00:00:00.000Z', createdBy: 'a@b.c', updatedAt: '2026-12-01T00:00:00.000Z', version: 1 };

describe('the response check of the test harness', () => {
  it('passes a body that keeps to its route\'s schema', () => {
    expect(() => checkResponse('GET', '/api/v1/teams/platform', 200, json, JSON.stringify(team))).not.toThrow();
  });

  it('fails a body that lacks a required field or has one the schema does not know', () => {
    const { version: _version, ...withoutVersion } = team;
    expect(() => checkResponse('GET', '/api/v1/teams/platform', 200, json, JSON.stringify(withoutVersion))).toThrow(ResponseSchemaError);
    expect(() => checkResponse('GET', '/api/v1/teams/platform', 200, json, JSON.stringify({ ...team, secret: 'x' }))).toThrow(/additional properties \(secret\)/);
  });

  it('holds errors to the error shape, and lets API Gateway\'s own refusals through as AWS writes them', () => {
    const error = { error: { code: 'NotFound', message: 'team x not found', details: [] }, requestId: 'r' };
    expect(() => checkResponse('GET', '/api/v1/teams/x', 404, json, JSON.stringify(error))).not.toThrow();
    expect(() => checkResponse('GET', '/api/v1/teams/x', 404, json, JSON.stringify({ message: 'not found' }))).toThrow(ResponseSchemaError);
    const gateway = new Headers({ 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
    expect(() => checkResponse('GET', '/api/v1/audit', 403, gateway, JSON.stringify({ Message: 'User is not authorized' }))).not.toThrow();
  });

  it('fails a body on a route that answers none', () => {
    expect(() => checkResponse('DELETE', '/api/v1/teams/x', 204, new Headers(), '')).not.toThrow();
    expect(() => checkResponse('DELETE', '/api/v1/teams/x', 204, json, '{}')).toThrow(/has no response schema/);
  });
});
