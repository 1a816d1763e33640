/**
 * The baseline Lambda for bundle size and cold import: the least any Apollo function carries
 * (one DynamoDB client, bundled the same way) and nothing else. A ratio of 1.0 means a context
 * costs no more than talking to the table at all.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 200, body: client.config.apiVersion };
}
