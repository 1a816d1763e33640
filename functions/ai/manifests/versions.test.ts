import { describe, expect, it } from 'vitest';
import { isStableMaven, latestStableMaven, mavenUpdate, npmUpdate, parseNpmSpec } from './versions.ts';

describe('npm specs', () => {
  it('reads plain versions and simple ranges, and nothing else', () => {
    expect(parseNpmSpec('^18.2.0')).toEqual({ prefix: '^', numbers: [18, 2, 0], wildcard: '', prerelease: '' });
    expect(parseNpmSpec('18.x')).toEqual({ prefix: '', numbers: [18], wildcard: '.x', prerelease: '' });
    expect(parseNpmSpec('~2.0.0-beta.1')).toMatchObject({ prefix: '~', numbers: [2, 0, 0], prerelease: '-beta.1' });
    for (const spec of ['workspace:*', 'github:user/repo', 'latest', '*', '1.0.0 - 2.0.0', '>=1.2.3 <2', 'file:../lib', '1.2.3.x']) expect(parseNpmSpec(spec), spec).toBeUndefined();
  });

  it('says the kind of update at the spec\'s own precision, keeping its prefix and wildcard', () => {
    expect(npmUpdate('^18.2.0', '18.3.1')).toEqual({ kind: 'minor', spec: '^18.3.1' });
    expect(npmUpdate('^18.2.0', '19.1.0')).toEqual({ kind: 'major', spec: '^19.1.0' });
    expect(npmUpdate('8.57.0', '8.57.1')).toEqual({ kind: 'patch', spec: '8.57.1' });
    expect(npmUpdate('~5.4.5', '5.4.5')).toEqual({ kind: 'none', spec: '~5.4.5' });
    expect(npmUpdate('18.x', '18.3.1')).toEqual({ kind: 'none', spec: '18.x' });
    expect(npmUpdate('18.x', '19.0.0')).toEqual({ kind: 'major', spec: '19.x' });
    expect(npmUpdate('^2', '2.5.0')).toEqual({ kind: 'none', spec: '^2' });
    // A pinned prerelease moves to its release; a newer pin than latest stays.
    expect(npmUpdate('2.0.0-rc.1', '2.0.0')).toEqual({ kind: 'patch', spec: '2.0.0' });
    expect(npmUpdate('^3.0.0', '2.9.9')).toEqual({ kind: 'none', spec: '^3.0.0' });
    expect(npmUpdate('workspace:*', '1.0.0')).toBeUndefined();
  });
});

describe('Maven versions', () => {
  it('tells releases from milestones, candidates and snapshots', () => {
    for (const v of ['3.4.1', '6.4.4.Final', '33.2.1-jre', '42.7.4', '2.7.18.RELEASE', '20231013']) expect(isStableMaven(v), v).toBe(true);
    for (const v of ['3.5.0-M1', '1.6.0.Beta1', '1.6.0.RC1', '6.0.0.CR1', '1.0.5-SNAPSHOT', '2.0.0-alpha-1', '17-ea']) expect(isStableMaven(v), v).toBe(false);
  });

  it('picks the newest release of the same flavour from maven-metadata\'s list', () => {
    expect(latestStableMaven(['3.2.5', '3.4.1', '3.5.0-M1', '3.3.6'])).toBe('3.4.1');
    expect(latestStableMaven(['1.5.5.Final', '1.6.0.Beta1', '1.6.3'], '1.5.5.Final')).toBe('1.6.3');
    expect(latestStableMaven(['32.1.3-jre', '32.1.3-android', '33.2.1-android', '33.2.1-jre', '33.3.0-android'], '32.1.3-jre')).toBe('33.2.1-jre');
    expect(latestStableMaven(['1.0.0-M1', '1.0.0-RC1'])).toBeUndefined();
  });

  it('says the kind of update by the first number that moved', () => {
    expect(mavenUpdate('3.3.4', '3.4.1')).toBe('minor');
    expect(mavenUpdate('5.0.1', '6.2.1')).toBe('major');
    expect(mavenUpdate('42.7.2', '42.7.4')).toBe('patch');
    expect(mavenUpdate('1.5.5.Final', '1.6.3')).toBe('minor');
    expect(mavenUpdate('1.2.3.4', '1.2.3.5')).toBe('patch');
    expect(mavenUpdate('1.20.4', '1.20.4')).toBe('none');
    expect(mavenUpdate('1.0.0-RC1', '1.0.0')).toBe('patch');
    expect(mavenUpdate('${x}', '1.0.0')).toBeUndefined();
  });
});
