/** What the jobs context needs from outside. */

/**
 * Write-once storage for exported audit days: the S3 bucket with Object Lock in AWS, a directory
 * locally. Nothing in it is ever overwritten or deleted by Apollo.
 */
export interface AuditArchive {
  exists(key: string): Promise<boolean>;
  /** Stores a new object; throws ConflictError if `key` already exists (it is never overwritten). */
  put(key: string, body: string): Promise<void>;
}
