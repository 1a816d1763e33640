/**
 * Section 3: the local gateway's SigV4 verification, per request. One realistic request (a team
 * update from a web session: JSON body, If-Match, session token) is signed once with the same
 * signer the clients use, then verified in a tight loop. Baseline: hashing the same body once,
 * the one step a verifier can never skip (it must not trust `x-amz-content-sha256`).
 */
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { verifySigV4, type CredentialRecord, type SignedRequest } from '#local/gateway/sigv4';
import { formatRatio, type Table } from './format.ts';
import { ratio } from './stats.ts';

export const VERIFY_ITERATIONS = 20_000;
const REGION = 'us-east-1';

export interface SigV4Cost {
  readonly iterations: number;
  readonly bodyBytes: number;
  readonly verifyUs: number;
  readonly sha256Us: number;
  readonly ratio: number;
}

const CREDENTIAL: CredentialRecord = {
  accessKeyId: 'ASIABENCHBENCHBENCH0',
  secretAccessKey: 'bench/secret/key/that/is/forty/characters',
  sessionToken: 'IQoJb3JpZ2luX2VjEBench'.repeat(16),
  expiration: new Date(Date.now() + 3_600_000),
  principalArn: 'arn:aws:sts::000000000000:assumed-role/ApolloAdmin/alice@example.com',
};

const BODY = JSON.stringify({
  name: 'Platform',
  description: 'Runs Apollo, the clusters and the paved road. On call: #platform-oncall, escalation via PagerDuty.',
  slackChannel: '#platform',
  email: 'platform@example.com',
});

/** Signs the request the way ApiClient does and returns it as the gateway receives it. */
async function signedRequest(signingDate: Date): Promise<SignedRequest> {
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: CREDENTIAL });
  const request = new HttpRequest({
    method: 'PUT',
    protocol: 'https:',
    hostname: 'abc123.execute-api.us-east-1.amazonaws.com',
    path: '/prod/api/v1/teams/platform',
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      accept: 'application/json',
      'content-type': 'application/json',
      'if-match': '"3"',
    },
    body: BODY,
  });
  const signed = await signer.sign(request, { signingDate });
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: '',
    headers: new Map(Object.entries(signed.headers).map(([name, value]) => [name, [value]])),
    body: Buffer.from(BODY),
  };
}

/** Microseconds per call of `fn`, over `iterations` calls after a short warm-up for the JIT. */
function microsecondsPerCall(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(1_000, iterations); i++) fn();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - started) * 1000) / iterations;
}

export async function measureSigV4(iterations = VERIFY_ITERATIONS): Promise<SigV4Cost> {
  // A fixed clock keeps the signature inside the 5-minute window however long the loop runs.
  const now = new Date();
  const request = await signedRequest(now);
  const options = { region: REGION, now, lookup: (id: string) => (id === CREDENTIAL.accessKeyId ? CREDENTIAL : undefined) };
  const first = verifySigV4(request, options);
  // Timing a rejection would measure the cheap early-exit path, not verification.
  if (!first.ok) throw new Error(`the benchmark request does not verify: ${first.errorType}: ${first.message}`);

  let accepted = 0;
  const verifyUs = microsecondsPerCall(() => { if (verifySigV4(request, options).ok) accepted++; }, iterations);
  let digestChars = 0;
  const sha256Us = microsecondsPerCall(() => { digestChars += createHash('sha256').update(request.body).digest('hex').length; }, iterations);
  // Using the results keeps the loops observable, so no engine may skip them.
  if (accepted === 0 || digestChars === 0) throw new Error('benchmark loops did no work');
  return { iterations, bodyBytes: request.body.length, verifyUs, sha256Us, ratio: ratio(verifyUs, sha256Us) };
}

export function sigV4Table(result: SigV4Cost): Table {
  return {
    title: `3. SigV4 verification cost (${result.iterations.toLocaleString('en-US')} calls, ${result.bodyBytes}-byte body)`,
    columns: ['operation', 'µs per call', 'ratio'],
    rows: [
      ['sha256 hex of the body (baseline)', result.sha256Us.toFixed(2), formatRatio(1)],
      ['verifySigV4 (header form, session token)', result.verifyUs.toFixed(2), formatRatio(result.ratio)],
    ],
    notes: ['ratio = verify / one body hash; a verify is two hashes and five HMACs plus canonicalisation'],
  };
}
