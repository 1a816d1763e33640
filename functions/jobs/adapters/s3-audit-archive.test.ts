import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '#shared/errors';
import { S3AuditArchive } from './s3-audit-archive.ts';

const s3 = mockClient(S3Client);
const BUCKET = 'apollo-audit-archive-123456789012';
const KEY = 'audit/2026/11/23.ndjson';

const s3Error = (name: string, httpStatusCode: number): S3ServiceException =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: name });

afterEach(() => {
  s3.reset();
});

describe('S3AuditArchive.exists', () => {
  it('is true when HEAD finds the object', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: KEY }).resolves({ ContentLength: 42 });

    // Act
    const exists = await new S3AuditArchive(BUCKET).exists(KEY);

    // Assess
    expect(exists).toBe(true);
  });

  it('is false when HEAD answers 404', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' }));

    // Act
    const exists = await new S3AuditArchive(BUCKET).exists(KEY);

    // Assess
    expect(exists).toBe(false);
  });

  it('does not mistake a 403 (no s3:ListBucket) for a missing object', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));

    // Act
    const result = new S3AuditArchive(BUCKET).exists(KEY);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'Forbidden' });
  });
});

describe('S3AuditArchive.put', () => {
  it('writes NDJSON only if the key is new, with the SHA-256 checksum Object Lock requires', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"' });

    // Act
    await new S3AuditArchive(BUCKET).put(KEY, '{"id":"1"}\n');

    // Assess
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([{
      Bucket: BUCKET,
      Key: KEY,
      Body: '{"id":"1"}\n',
      ContentType: 'application/x-ndjson',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
    }]);
  });

  it('reports an existing object (412 PreconditionFailed) as a ConflictError, not a crash', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));

    // Act
    const result = new S3AuditArchive(BUCKET).put(KEY, '');

    // Assess
    await expect(result).rejects.toThrow(new ConflictError(`s3://${BUCKET}/${KEY} already exists`));
    await expect(result).rejects.toBeInstanceOf(ConflictError);
  });

  it('retries a 409 ConditionalRequestConflict, then reports the object the other writer finished', async () => {
    // Prepare
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('PreconditionFailed', 412));

    // Act
    const result = new S3AuditArchive(BUCKET).put(KEY, '');

    // Assess
    await expect(result).rejects.toBeInstanceOf(ConflictError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('passes other failures through', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));

    // Act
    const result = new S3AuditArchive(BUCKET).put(KEY, '');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
