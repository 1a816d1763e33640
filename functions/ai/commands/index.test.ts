import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommand } from './index.ts';

const parsed = (text: string) => {
  const result = parseCommand(text);
  return result && 'command' in result ? { name: result.command.name, args: result.args } : result;
};

describe('parseCommand', () => {
  it('reads debug in the design doc\'s order, and forgives the service first when only that reading fits', () => {
    expect(parsed('debug prod core-service')).toEqual({ name: 'debug', args: { environment: 'prod', service: 'core-service' } });
    expect(parsed('debug cobalt-prod core-service')).toEqual({ name: 'debug', args: { environment: 'cobalt-prod', service: 'core-service' } });
    expect(parsed('  /debug   core-service prod ')).toEqual({ name: 'debug', args: { environment: 'prod', service: 'core-service' } });
    expect(parsed('DEBUG Prod Core-Service')).toEqual({ name: 'debug', args: { environment: 'prod', service: 'core-service' } });
    // Both read as environments, or neither: the design doc's order.
    expect(parsed('debug staging prod')).toEqual({ name: 'debug', args: { environment: 'staging', service: 'prod' } });
  });

  it('answers a usage problem for words that do not fit', () => {
    expect(parseCommand('debug')).toEqual({ problem: 'usage: debug <env> <service>' });
    expect(parseCommand('debug prod Core_Service')).toEqual({ problem: 'core_service is not a service name (usage: debug <env> <service>)' });
    expect(parseCommand('logs prod core-service --since=3d')).toEqual({ problem: '--since must be from 5m to 24h (e.g. 15m, 1h, 6h), not 3d' });
    expect(parseCommand('logs prod core-service --since=2m')).toEqual({ problem: '--since must be from 5m to 24h (e.g. 15m, 1h, 6h), not 2m' });
    expect(parseCommand('logs prod core-service --tail')).toEqual({ problem: 'unknown option --tail (usage: logs <env> <service> [--since=1h])' });
    expect(parseCommand('costs')).toEqual({ problem: 'which service? (usage: costs <service> [<env>])' });
    expect(parseCommand('costs Core_Service')).toEqual({ problem: 'core_service is not a service name (usage: costs <service> [<env>])' });
    expect(parseCommand('costs core-service Prod')).toMatchObject({ args: { service: 'core-service', environment: 'prod' } });
    expect(parseCommand('incident 42')).toMatchObject({ problem: expect.stringContaining('usage: incident <id>') });
    expect(parseCommand('help restart')).toEqual({ problem: 'usage: help [debug | logs | costs | incident | postmortem | deploy | rollback | scale | upgrade | explain | help]' });
    expect(parseCommand('scale prod core-service many')).toEqual({ problem: 'replicas must be a whole number from 0 to 100, not many' });
    expect(parseCommand('deploy prod core-service v1..2/')).toMatchObject({ problem: expect.stringContaining('is not an image tag') });
  });

  it('reads logs with a window from 5m to 24h (default 1h), either spelling', () => {
    expect(parsed('logs prod core-service')).toEqual({ name: 'logs', args: { environment: 'prod', service: 'core-service', sinceMinutes: '60', since: '1h' } });
    expect(parsed('logs core-service prod --since=15m')).toEqual({ name: 'logs', args: { environment: 'prod', service: 'core-service', sinceMinutes: '15', since: '15m' } });
    expect(parsed('logs prod core-service --since 24h')).toEqual({ name: 'logs', args: { environment: 'prod', service: 'core-service', sinceMinutes: '1440', since: '24h' } });
  });

  it('reads incident ids, explain\'s three kinds of resource and help', () => {
    expect(parsed('incident 01jex4mpqe0000000000000000')).toEqual({ name: 'incident', args: { id: '01JEX4MPQE0000000000000000' } });
    expect(parsed('explain core-service')).toEqual({ name: 'explain', args: { kind: 'service', name: 'core-service' } });
    expect(parsed('explain deployment/core-service')).toEqual({ name: 'explain', args: { kind: 'deployment', name: 'core-service' } });
    expect(parsed('explain prod')).toEqual({ name: 'explain', args: { kind: 'environment', name: 'prod' } });
    expect(parsed('help')).toEqual({ name: 'help', args: {} });
    expect(parsed('help debug')).toEqual({ name: 'help', args: { command: 'debug' } });
    expect(parsed('scale prod core-service 4')).toEqual({ name: 'scale', args: { environment: 'prod', service: 'core-service', replicas: '4' } });
    expect(parsed('deploy staging core-service v1.0.4')).toEqual({ name: 'deploy', args: { environment: 'staging', service: 'core-service', version: 'v1.0.4' } });
    expect(parsed('rollback core-service prod')).toEqual({ name: 'rollback', args: { environment: 'prod', service: 'core-service' } });
    expect(parsed('upgrade staging core-service')).toEqual({ name: 'upgrade', args: { environment: 'staging', service: 'core-service' } });
    expect(parseCommand('upgrade core-service')).toEqual({ problem: 'usage: upgrade <env> <service>' });
  });

  it('leaves free questions to the model: no command word, or more words than the command takes', () => {
    expect(parseCommand('why is core-service slow?')).toBeUndefined();
    expect(parseCommand('explain why the error rate rose after the deploy')).toBeUndefined();
    expect(parseCommand('help me read these logs')).toBeUndefined();
    expect(parseCommand('debug the checkout flow in prod please')).toBeUndefined();
    expect(parseCommand('')).toBeUndefined();
  });

  it('lists each command once with its usage', () => {
    expect(COMMANDS.map((c) => c.usage)).toEqual(['debug <env> <service>', 'logs <env> <service> [--since=1h]', 'costs <service> [<env>]', 'incident <id>', 'postmortem <incident-id>', 'deploy <env> <service> <version>', 'rollback <env> <service>', 'scale <env> <service> <replicas>', 'upgrade <env> <service>', 'explain <service> | deployment/<service> | <env>', 'help [command]']);
  });
});
