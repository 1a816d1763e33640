/** Backend failures: throttling and 5xx are 503 (retry), anything else stays as it was. */
import { ThrottledException } from '@aws-sdk/client-xray';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '#shared/errors';
import { backendCall } from './backend-errors.ts';

describe('backend failures', () => {
  it('answers throttling and a 5xx with 503', async () => {
    const throttled = new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
    await expect(backendCall('AWS X-Ray', () => Promise.reject(throttled))).rejects.toBeInstanceOf(ServiceUnavailableError);
    const down = Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    await expect(backendCall('CloudWatch', () => Promise.reject(down))).rejects.toThrow('CloudWatch is unavailable or throttled');
  });

  it('leaves a denial and our own errors as they are', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    await expect(backendCall('AWS X-Ray', () => Promise.reject(denied))).rejects.toBe(denied);
    const ours = new RangeError('bad');
    await expect(backendCall('AWS X-Ray', () => Promise.reject(ours))).rejects.toBe(ours);
  });
});
