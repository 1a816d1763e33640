/**
 * `apollo completion bash|zsh|fish`: the scripts are run by the shells themselves. bash completes with COMP_WORDS
 * and COMP_CWORD set as it sets them; zsh's driver runs with its completion builtins stubbed to print what they
 * are given; fish answers `complete -C`. A shell that is not installed skips its run (bash always is).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../exit.ts';
import { buildProgram, main } from '../main.ts';
import { sink } from '../testing.ts';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([]), env: { HOME: dir }, cwd: dir });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let dir: string;
const scripts = { bash: '', zsh: '', fish: '' };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apollo-completion-'));
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const out = await run(['completion', shell]);
    expect(out.code, out.stderr).toBe(EXIT.ok);
    scripts[shell] = out.stdout;
    writeFileSync(join(dir, `apollo.${shell}`), out.stdout);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The top-level commands as the program has them (names and aliases). */
function topLevel(): string[] {
  const { program } = buildProgram({ stdout: sink(), stderr: sink(), stdin: Readable.from([]), env: {}, cwd: dir });
  return program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

/** What bash offers for the words typed (the last one the word being completed). */
function bash(...words: string[]): string[] {
  const script = `source ${join(dir, 'apollo.bash')}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _apollo; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'bash', ...words], { encoding: 'utf8', cwd: dir });
  expect(out.stderr).toBe('');
  return out.stdout.split('\n').filter(Boolean);
}

describe('apollo completion bash', () => {
  it('completes commands, aliases, options and their values in a real bash', () => {
    expect(bash('apollo', 'ser')).toEqual(['services']);
    expect(bash('apollo', 'services', 'l')).toEqual(['list', 'ls']);
    expect(bash('apollo', 'svc', 'ls', '--limit', '5', '--t')).toEqual(['--team', '--tier']);
    expect(bash('apollo', 'services', 'list', '--tier', '')).toEqual(['critical', 'standard', 'experimental']);
    // --output's formats, after a subcommand too, and as --output=… (bash splits the word at =).
    expect(bash('apollo', '-o', '')).toEqual(['table', 'json', 'yaml']);
    expect(bash('apollo', 'services', 'list', '--output', '=', 'y')).toEqual(['yaml']);
    expect(bash('apollo', '-o', 'json', 'services', 'get', '--o')).toEqual(['--output']);
    // A positional argument's choices; none for a free one.
    expect(bash('apollo', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(bash('apollo', 'services', 'get', 'core-service', '')).toEqual([]);
    // A file option completes file names.
    expect(bash('apollo', 'services', 'register', 'x', '-f', 'apollo.f')).toEqual(['apollo.fish']);
  });

  it('holds every top-level command', () => {
    const offered = bash('apollo', '');
    for (const name of topLevel()) expect(offered).toContain(name);
    expect(offered).toContain('help');
  });
});

describe('apollo completion zsh', () => {
  it('holds every top-level command and parses', () => {
    for (const name of topLevel()) expect(scripts.zsh).toContain(`'|${name}'`);
    expect(scripts.zsh.startsWith('#compdef apollo\n')).toBe(true);
    if (!has('zsh')) return;
    const parsed = spawnSync('zsh', ['-n', join(dir, 'apollo.zsh')], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
  });

  it.runIf(has('zsh'))('offers subcommands with what they do, options, and values, in a real zsh', () => {
    // The completion system's builtins stubbed: each prints what it would offer (zsh filters by the prefix itself).
    const script = [
      'compdef() { :; }', '_describe() { print -l -- "${(@P)4}"; }', 'compadd() { print -l -- "${(@P)2}"; }', 'compset() { :; }', '_files() { print "<files>"; }',
      `source ${join(dir, 'apollo.zsh')}`,
      'words=("$@"); CURRENT=$#; _apollo',
    ].join('\n');
    const zsh = (...words: string[]) => spawnSync('zsh', ['-f', '-c', script, 'zsh', ...words], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(zsh('apollo', 'services', 'l')).toContain('list:List and search services');
    expect(zsh('apollo', 'svc', '')).toContain('ls:List and search services');
    expect(zsh('apollo', 'services', 'list', '--t')).toEqual(expect.arrayContaining(['--tier:this tier', '--output:how results print (default: APOLLO_OUTPUT, then table)']));
    expect(zsh('apollo', 'services', 'list', '--tier', '')).toEqual(['critical', 'standard', 'experimental']);
    expect(zsh('apollo', '--output=y')).toEqual(['table', 'json', 'yaml']);
    expect(zsh('apollo', 'services', 'register', 'x', '--file', '')).toEqual(['<files>']);
  });
});

describe('apollo completion fish', () => {
  it('holds every top-level command and parses', () => {
    for (const name of topLevel()) expect(scripts.fish).toContain(`'|${name}'`);
    if (!has('fish')) return;
    const parsed = spawnSync('fish', ['-n', join(dir, 'apollo.fish')], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
  });

  it.runIf(has('fish'))('completes in a real fish (complete -C)', () => {
    const fish = (line: string) => spawnSync('fish', ['--no-config', '-c', `source ${join(dir, 'apollo.fish')}; complete -C '${line}'`], { encoding: 'utf8', cwd: dir }).stdout.split('\n').filter(Boolean);
    expect(fish('apollo ser')).toEqual([expect.stringMatching(/^services\tThe service catalog/)]);
    expect(fish('apollo services l').map((l) => l.split('\t')[0])).toEqual(['list', 'ls']);
    expect(fish('apollo services list --ti')).toEqual(['--tier\tthis tier']);
    expect(fish('apollo services list --tier ')).toEqual(['critical', 'experimental', 'standard']);
    expect(fish('apollo --output=y')).toEqual(['--output=yaml']);
  });
});

describe('apollo completion', () => {
  it('refuses a shell it does not know (exit 2) and says how to install each', async () => {
    const bad = await run(['completion', 'powershell']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('Allowed choices are bash, zsh, fish');
    const help = await run(['completion', '--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('source <(apollo completion bash)');
    expect(help.stdout).toContain('~/.config/fish/completions/apollo.fish');
    expect(help.stdout).toContain('Examples:');
  });
});
