/**
 * The one DynamoDB table (ARCHITECTURE.md §3), built from shared/table-design.ts, the description the
 * local runtime builds its table from too. Grants are item-level and name their indexes: nobody gets
 * Scan, batch or table-management actions.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '#shared/table-design';

export interface ApolloDataProps {
  /**
   * The table's name. Leave it to CloudFormation unless something outside the stack must know it:
   * a fixed name makes a replacement of the table impossible without a rename.
   * @default - a name CloudFormation generates
   */
  readonly tableName?: string;
  /** @default RemovalPolicy.RETAIN (deletion protection is on either way) */
  readonly removalPolicy?: RemovalPolicy;
}

/** What the Lambdas do to items (functions/lib/table.ts, idempotency.ts). */
export const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
export const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

export class ApolloData extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ApolloDataProps = {}) {
    super(scope, id);
    const design = TABLE_DESIGN;
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: design.partitionKey, type: AttributeType.STRING },
      sortKey: { name: design.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: design.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of design.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }
  }

  /** The table and each of its indexes, by ARN (no `index/*` wildcard). */
  get resourceArns(): string[] {
    return [this.table.tableArn, ...TABLE_DESIGN.globalSecondaryIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`)];
  }

  /** GetItem and Query on the table and its indexes. */
  grantReadItems(grantee: IGrantable): Grant {
    return this.grant(grantee, READ_ACTIONS);
  }

  /** Query only (a job that reads partitions and never single items). */
  grantQuery(grantee: IGrantable): Grant {
    return this.grant(grantee, ['dynamodb:Query']);
  }

  /** Get, Query, Put, Update and Delete of items (conditional writes included). */
  grantReadWriteItems(grantee: IGrantable): Grant {
    return this.grant(grantee, [...READ_ACTIONS, ...WRITE_ACTIONS]);
  }

  private grant(grantee: IGrantable, actions: readonly string[]): Grant {
    return Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: this.resourceArns });
  }
}
