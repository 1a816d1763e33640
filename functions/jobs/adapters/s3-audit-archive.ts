/**
 * The audit archive in AWS: an S3 bucket with Object Lock (compliance mode, 7 years), so an
 * exported day can be neither changed nor deleted. Writes are conditional (`If-None-Match: *`):
 * S3 itself refuses a second object under a key, even from a concurrent run.
 */
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConflictError } from '#shared/errors';
import type { AuditArchive } from '../ports.ts';

const s3 = new S3Client({});

const status = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const named = (error: unknown, name: string): boolean => error instanceof Error && error.name === name;

export class S3AuditArchive implements AuditArchive {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3,
  ) {}

  /**
   * HEAD answers 404 for a missing key only if the role may list the bucket (`s3:ListBucket`);
   * without it S3 answers 403, which we do not mistake for "missing".
   */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (named(error, 'NotFound') || status(error) === 404) return false;
      throw error;
    }
  }

  async put(key: string, body: string): Promise<void> {
    // S3 answers 409 when another conditional write to the same key is in flight and asks for a
    // retry; the retry then meets the finished object and gets 412.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ndjson',
          IfNoneMatch: '*',
          // Object Lock buckets refuse a PUT without an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }));
        return;
      } catch (error) {
        if (named(error, 'PreconditionFailed') || status(error) === 412) {
          throw new ConflictError(`s3://${this.bucket}/${key} already exists`, { cause: error });
        }
        if (attempt < 3 && (named(error, 'ConditionalRequestConflict') || status(error) === 409)) continue;
        throw error;
      }
    }
  }
}
