/**
 * `apollo configure` and where credentials come from: the local runtime's keys (`--local`, with the same
 * PORT and APOLLO_HOME as `npm start`), a person's session from the local directory (`--user`), the
 * default AWS chain (environment variables; a profile in a temporary HOME's ~/.aws files), and a
 * stack's outputs through CloudFormation (aws-sdk-client-mock).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { startCliHarness, type CliHarness } from '../testing.ts';

let c: CliHarness;
beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(() => c.close());

const AWS_VARS = ['HOME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_REGION'] as const;
const saved = Object.fromEntries(AWS_VARS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of AWS_VARS) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; }
});

/** The default chain reads process.env and the files it names: a temporary HOME's own ~/.aws. */
function awsHome(name: string, files: { credentials?: string; config?: string }): void {
  const dir = join(c.home, name, '.aws');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'credentials'), files.credentials ?? '');
  writeFileSync(join(dir, 'config'), files.config ?? '');
  for (const k of AWS_VARS) delete process.env[k];
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  // Nothing here answers instance metadata: the chain must not wait for it.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

describe('apollo configure', () => {
  it('--local reads PORT and APOLLO_HOME as npm start does, writes a config with no secret, and says who you are', async () => {
    const config = join(c.home, 'local.json');
    const env = { APOLLO_CONFIG: config, PORT: new URL(c.h.runtime.url).port, APOLLO_HOME: join(c.home, 'runtime') };
    const run = await c.run(['configure', '--local'], { env });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stderr).toContain(`wrote ${config}`);
    expect(run.stdout).toMatch(/^signed in as\s+developer@apollo\.local \(developer; teams payments\)$/m);
    const written = readFileSync(config, 'utf8');
    expect(JSON.parse(written)).toEqual({
      endpoint: c.h.runtime.url, region: 'us-east-1', realtimeUrl: c.h.runtime.realtimeUrl,
      auth: { kind: 'local', home: join(c.home, 'runtime'), role: 'developer' },
    });
    expect(written).not.toContain(c.h.runtime.credentials.roles.developer.secretAccessKey);
    expect(statSync(config).mode & 0o777).toBe(0o600);

    const me = await c.run(['me', '-o', 'json'], { env });
    expect(me.json()).toMatchObject({ principal: 'developer@apollo.local', role: 'developer' });
    const shown = await c.run(['configure', '--show'], { env });
    expect(shown.stdout).toMatch(/^credentials\s+local runtime keys in .* \(role developer\)$/m);
  });

  it('--local --role and --user: a role\'s key, or a person of the local directory with their own teams', async () => {
    const env = { APOLLO_CONFIG: join(c.home, 'as-user.json'), PORT: new URL(c.h.runtime.url).port, APOLLO_HOME: join(c.home, 'runtime') };
    const asDana = await c.run(['configure', '--local', '--user', 'Dana@apollo.local'], { env });
    expect(asDana.code, asDana.stderr).toBe(EXIT.ok);
    expect(asDana.stdout).toMatch(/^signed in as\s+dana@apollo\.local \(developer; teams growth\)$/m);
    const asOperator = await c.run(['configure', '--local', '--role', 'operator'], { env });
    expect(asOperator.stdout).toMatch(/^signed in as\s+operator@apollo\.local \(operator/m);
    const nobody = await c.run(['configure', '--local', '--user', 'nobody@apollo.local'], { env });
    // Saved, with the reason the check failed.
    expect(nobody.code).toBe(EXIT.ok);
    expect(nobody.stderr).toContain('nobody@apollo.local is not in the local directory');
    expect((await c.run(['me'], { env })).code).toBe(EXIT.notFound);
  });

  it('--local before the runtime ever ran: saved, with what to do; commands then say there are no credentials (exit 3)', async () => {
    const env = { APOLLO_CONFIG: join(c.home, 'fresh.json'), PORT: '1', APOLLO_HOME: join(c.home, 'never-started') };
    const run = await c.run(['configure', '--local'], { env });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toContain('warning: the configuration is saved, but the check failed: no local credentials in');
    expect(run.stderr).toContain('npm start');
    const me = await c.run(['me'], { env });
    expect(me.code).toBe(EXIT.auth);
    expect(me.stderr).toContain('start the local runtime once with `npm start`');
  });

  it('a stopped runtime is a failure (exit 1) that says to start it', async () => {
    mkdirSync(join(c.home, 'stopped'), { recursive: true });
    writeFileSync(join(c.home, 'stopped', 'credentials.json'), JSON.stringify(c.h.runtime.credentials.roles));
    const env = { APOLLO_CONFIG: join(c.home, 'stopped.json'), PORT: '9', APOLLO_HOME: join(c.home, 'stopped') };
    await c.run(['configure', '--local'], { env });
    const me = await c.run(['me'], { env });
    expect(me.code).toBe(EXIT.failure);
    expect(me.stderr).toContain('nothing answers at http://127.0.0.1:9');
    expect(me.stderr).toContain('npm start');
  });

  it('--url with AWS credentials from the environment (the default chain)', async () => {
    awsHome('env-home', {});
    const operator = c.h.runtime.credentials.roles.operator;
    process.env.AWS_ACCESS_KEY_ID = operator.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = operator.secretAccessKey;
    const env = { APOLLO_CONFIG: join(c.home, 'url.json') };
    const run = await c.run(['configure', '--url', c.h.runtime.url, '--region', 'us-east-1'], { env });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^credentials\s+AWS credentials \(the default chain\)$/m);
    expect(run.stdout).toMatch(/^signed in as\s+operator@apollo\.local/m);
    expect(JSON.parse(readFileSync(env.APOLLO_CONFIG, 'utf8')).auth).toEqual({ kind: 'aws' });
  });

  it('--profile from ~/.aws files in a temporary HOME; a missing profile is an auth error (exit 3)', async () => {
    const admin = c.h.runtime.credentials.roles.admin;
    awsHome('profile-home', { credentials: `[apollo-admin]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n` });
    const env = { APOLLO_CONFIG: join(c.home, 'profile.json') };
    const run = await c.run(['configure', '--url', c.h.runtime.url, '--region', 'us-east-1', '--profile', 'apollo-admin'], { env });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^signed in as\s+admin@apollo\.local/m);
    expect(JSON.parse(readFileSync(env.APOLLO_CONFIG, 'utf8')).auth).toEqual({ kind: 'aws', profile: 'apollo-admin' });
    // --profile on any command overrides the configured one.
    const missing = await c.run(['me', '--profile', 'nobody'], { env });
    expect(missing.code).toBe(EXIT.auth);
    expect(missing.stderr).toContain('no AWS credentials from the profile nobody');
    // AWS_PROFILE picks a profile for the default chain too.
    process.env.AWS_PROFILE = 'apollo-admin';
    const viaEnv = await c.run(['configure', '--url', c.h.runtime.url, '--region', 'us-east-1'], { env: { APOLLO_CONFIG: join(c.home, 'aws-profile.json') } });
    expect(viaEnv.stdout).toMatch(/^signed in as\s+admin@apollo\.local/m);
  });

  it('profiles found through HOME alone (~/.aws/credentials and ~/.aws/config), as on a laptop', async () => {
    awsHome('home-only', {});
    delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    delete process.env.AWS_CONFIG_FILE;
    const home = join(c.home, 'home-only');
    const viewer = c.h.runtime.credentials.roles.viewer;
    writeFileSync(join(home, '.aws', 'config'), '[profile apollo-viewer]\nregion = us-east-1\ncredential_process = cat /dev/null\n[profile apollo-keys]\nregion = us-east-1\n');
    writeFileSync(join(home, '.aws', 'credentials'), `[apollo-keys]\naws_access_key_id = ${viewer.accessKeyId}\naws_secret_access_key = ${viewer.secretAccessKey}\n`);
    process.env.HOME = home;
    const env = { APOLLO_CONFIG: join(c.home, 'home-only.json'), HOME: home };
    const run = await c.run(['configure', '--url', c.h.runtime.url, '--region', 'us-east-1', '--profile', 'apollo-keys'], { env });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^signed in as\s+viewer@apollo\.local/m);
    // A profile whose credential process gives nothing is an auth error with the profile's name.
    const broken = await c.run(['me', '--profile', 'apollo-viewer'], { env });
    expect(broken.code).toBe(EXIT.auth);
    expect(broken.stderr).toContain('the profile apollo-viewer');
  });

  it('keys the gateway does not know are an auth error (exit 3), not a policy one', async () => {
    awsHome('bad-home', {});
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWNKEY000000';
    process.env.AWS_SECRET_ACCESS_KEY = 'nope';
    const env = { APOLLO_CONFIG: join(c.home, 'bad.json') };
    await c.run(['configure', '--url', c.h.runtime.url, '--region', 'us-east-1'], { env });
    const me = await c.run(['me'], { env });
    expect(me.code).toBe(EXIT.auth);
  });

  it('--stack reads ApiUrl and RealtimeUrl from CloudFormation DescribeStacks; an unknown stack is exit 4', async () => {
    const admin = c.h.runtime.credentials.roles.admin;
    awsHome('stack-home', {});
    process.env.AWS_ACCESS_KEY_ID = admin.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = admin.secretAccessKey;
    const cfn = mockClient(CloudFormationClient);
    try {
      cfn.on(DescribeStacksCommand, { StackName: 'Apollo' }).resolves({
        Stacks: [{ StackName: 'Apollo', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [
          { OutputKey: 'ApiUrl', OutputValue: `${c.h.runtime.url}/` },
          { OutputKey: 'RealtimeUrl', OutputValue: c.h.runtime.realtimeUrl },
        ] }],
      });
      cfn.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
      const env = { APOLLO_CONFIG: join(c.home, 'stack.json') };
      const run = await c.run(['configure', '--stack', 'Apollo', '--region', 'eu-west-1'], { env });
      expect(run.code, run.stderr).toBe(EXIT.ok);
      expect(JSON.parse(readFileSync(env.APOLLO_CONFIG, 'utf8'))).toEqual({ endpoint: c.h.runtime.url, region: 'eu-west-1', stack: 'Apollo', realtimeUrl: c.h.runtime.realtimeUrl, auth: { kind: 'aws' } });
      // The local gateway checks the region in the signature: eu-west-1 is refused, as a real stack elsewhere would be.
      expect(run.stderr).toContain('Credential should be scoped to a valid region');
      const unknown = await c.run(['configure', '--stack', 'Nope', '--region', 'eu-west-1'], { env: { APOLLO_CONFIG: join(c.home, 'nope.json') } });
      expect(unknown.code).toBe(EXIT.notFound);
      expect(unknown.stderr).toContain('no stack Nope in eu-west-1');
      const noRegion = await c.run(['configure', '--stack', 'Apollo'], { env: { APOLLO_CONFIG: join(c.home, 'nope.json') } });
      expect(noRegion.code).toBe(EXIT.usage);
    } finally {
      cfn.restore();
    }
  });

  it('--endpoint or APOLLO_ENDPOINT on another loopback name keeps the local keys; the local keys never go elsewhere', async () => {
    const env = { APOLLO_CONFIG: join(c.home, 'config-developer.json') };
    const localhost = c.h.runtime.url.replace('127.0.0.1', 'localhost');
    const viaFlag = await c.run(['me', '--endpoint', localhost, '-o', 'json'], { env });
    expect(viaFlag.code, viaFlag.stderr).toBe(EXIT.ok);
    expect(viaFlag.json()).toMatchObject({ principal: 'developer@apollo.local' });
    const viaEnv = await c.run(['me', '-o', 'json'], { env: { ...env, APOLLO_ENDPOINT: localhost } });
    expect(viaEnv.code, viaEnv.stderr).toBe(EXIT.ok);
    awsHome('elsewhere-home', {});
    const elsewhere = await c.run(['me', '--endpoint', 'https://abc123.execute-api.us-east-1.amazonaws.com/prod'], { env });
    expect(elsewhere.code).toBe(EXIT.auth);
    expect(elsewhere.stderr).toContain('no AWS credentials from the default chain');
  });

  it('APOLLO_OUTPUT picks the format; one that is not a format is a usage error, as -o would be', async () => {
    const env = { APOLLO_CONFIG: join(c.home, 'config-developer.json') };
    const yaml = await c.run(['me'], { env: { ...env, APOLLO_OUTPUT: 'yaml' } });
    expect(yaml.stdout).toMatch(/^principal: developer@apollo\.local$/m);
    const xml = await c.run(['me'], { env: { ...env, APOLLO_OUTPUT: 'xml' } });
    expect(xml.code).toBe(EXIT.usage);
    expect(xml.stderr).toContain('APOLLO_OUTPUT=xml is not an output format: table, json, yaml');
  });

  it('without a configuration every command says how to make one (exit 2); one mode at a time', async () => {
    const env = { APOLLO_CONFIG: join(c.home, 'none.json'), AWS_REGION: undefined };
    const run = await c.run(['services', 'list'], { env });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('Apollo is not configured');
    expect(run.stderr).toContain('apollo configure --local');
    expect((await c.run(['configure'], { env })).code).toBe(EXIT.usage);
    expect((await c.run(['configure', '--local', '--stack', 'x'], { env })).code).toBe(EXIT.usage);
    expect((await c.run(['configure', '--local', '--role', 'boss'], { env })).code).toBe(EXIT.usage);
  });
});
