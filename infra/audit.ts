/**
 * The audit trail outside the table (ARCHITECTURE.md §1 "Audit"): the archive bucket the scheduled
 * export writes each closed day to (S3 Object Lock, compliance mode, 7 years: nobody, root included,
 * can change or delete an exported day before then), a CloudTrail trail, and the role admin actions
 * on AWS run under, which can only be assumed with a `SourceIdentity`, so CloudTrail names the human.
 */
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { ReadWriteType, Trail } from 'aws-cdk-lib/aws-cloudtrail';
import { ArnPrincipal, Grant, PolicyStatement, Role, type IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { wildcardFinding } from './nag.ts';

/** Seven years of days, leap days included (7 × 365 + 2). */
export const AUDIT_RETENTION_DAYS = 2557;
/** Where the export writes: `audit/<yyyy>/<mm>/<dd>.ndjson` (functions/jobs/audit-export.ts). */
export const AUDIT_PREFIX = 'audit/';

export interface ApolloAuditProps {
  /** Used in the admin-actions role's name. */
  readonly stage: string;
  /** @default AUDIT_RETENTION_DAYS (2557 days, 7 years) */
  readonly retentionDays?: number;
  /**
   * A CloudTrail trail (management events of every region, log file validation, and the write data
   * events of the archive bucket). Turn it off where an organization trail already records the account.
   * @default true
   */
  readonly trail?: boolean;
  /** How long server access logs and CloudTrail files are kept. @default Duration.days(400) */
  readonly logExpiration?: Duration;
}

export class ApolloAudit extends Construct {
  /** The archive: Object Lock (compliance), versioned, private, TLS only. */
  readonly bucket: Bucket;
  /** Server access logs of the archive and trail buckets. */
  readonly accessLogsBucket: Bucket;
  readonly trail?: Trail;
  readonly trailBucket?: Bucket;
  /** Assumed, with a SourceIdentity naming the caller, by code that acts on AWS for an admin. */
  readonly adminActionsRole: Role;

  constructor(scope: Construct, id: string, props: ApolloAuditProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? AUDIT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`retentionDays must be a positive integer, not ${retentionDays}`);
    const logExpiration = props.logExpiration ?? Duration.days(400);

    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: logExpiration }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new Bucket(this, 'Archive', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(retentionDays)),
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (props.trail ?? true) {
      this.trailBucket = new Bucket(this, 'TrailLogs', {
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: 'trail/',
        lifecycleRules: [{ expiration: logExpiration }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.trail = new Trail(this, 'Trail', {
        bucket: this.trailBucket,
        enableFileValidation: true,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        managementEvents: ReadWriteType.ALL,
      });
      // Who wrote to (or tried to delete from) the archive: its write data events.
      this.trail.addS3EventSelector([{ bucket: this.bucket }], { readWriteType: ReadWriteType.WRITE_ONLY, includeManagementEvents: false });
    }

    // Without a SourceIdentity nobody gets in (the condition fails when the key is absent), so
    // CloudTrail names the human in every event of the session, and a role chained from it keeps it.
    const withSourceIdentity = { StringLike: { 'sts:SourceIdentity': '*' } };
    const accountRoot = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`;
    this.adminActionsRole = new Role(this, 'AdminActionsRole', {
      roleName: `ApolloAdminActions-${props.stage}`,
      description: 'Assumed by Apollo for admin actions on AWS, always with a SourceIdentity naming the person',
      assumedBy: new ArnPrincipal(accountRoot).withConditions(withSourceIdentity),
      maxSessionDuration: Duration.hours(1),
    });
    this.adminActionsRole.assumeRolePolicy!.addStatements(new PolicyStatement({
      principals: [new ArnPrincipal(accountRoot)],
      actions: ['sts:SetSourceIdentity'],
      conditions: withSourceIdentity,
    }));
  }

  /**
   * What the audit export needs: put new objects under `audit/`, and read them back (GetObject, which
   * HeadObject needs) and list the bucket, so that a missing day answers 404 rather than 403.
   */
  grantExport(grantee: IGrantable): Grant {
    const objects = this.bucket.arnForObjects(`${AUDIT_PREFIX}*`);
    const grant = Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:GetObject'], resourceArns: [objects] });
    Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
    if (grantee instanceof Construct) {
      Validations.of(grantee).acknowledge({
        id: wildcardFinding(this, objects),
        reason: 'The export writes one object per closed day under audit/ (audit/<yyyy>/<mm>/<dd>.ndjson): the keys are not known at deploy time, the prefix is the narrowest scope.',
      });
    }
    return grant;
  }

  /** Lets `grantee` assume the admin-actions role; the role's trust refuses any session without a SourceIdentity. */
  grantAssumeWithSourceIdentity(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      resourceArns: [this.adminActionsRole.roleArn],
    });
  }

}
