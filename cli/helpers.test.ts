/** Parsing what people type: fields, durations, pages' footers; and how tables and values print. */
import { describe, expect, it } from 'vitest';
import { Cli } from './context.ts';
import { EXIT } from './exit.ts';
import { parseDuration } from './follow.ts';
import { nextPage, parsePairs } from './helpers.ts';
import { cell, PLAIN, render, renderTable } from './output.ts';

describe('parsePairs', () => {
  it('types values by the form, takes JSON after :=, and says what is wrong', () => {
    expect(parsePairs(['name=api', 'ttl=600', 'public=yes', 'tags=a, b', 'extra:={"x":1}', 'note=a=b'], '--field', { ttl: 'integer', public: 'boolean', tags: 'array' }))
      .toEqual({ name: 'api', ttl: 600, public: true, tags: ['a', 'b'], extra: { x: 1 }, note: 'a=b' });
    expect(() => parsePairs(['ttl=soon'], '--field', { ttl: 'integer' })).toThrow('--field ttl=soon: must be a number');
    expect(() => parsePairs(['novalue'], '--field')).toThrow('say key=value');
    expect(() => parsePairs(['x:={'], '--field')).toThrow('must be JSON');
  });
});

describe('parseDuration', () => {
  it('reads 90s, 10m, 2h and bare seconds; refuses words with a usage error', () => {
    expect([parseDuration('90s'), parseDuration('10m'), parseDuration('2h'), parseDuration('30'), parseDuration('500ms')]).toEqual([90_000, 600_000, 7_200_000, 30_000, 500]);
    expect(() => parseDuration('soon')).toThrow(expect.objectContaining({ exitCode: EXIT.usage }));
  });
});

describe('nextPage', () => {
  it('repeats the command line with its filters and the next cursor, quoting what the shell would split', () => {
    const cli = new Cli({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {}, cwd: '/' }, () => ({ output: 'table', color: false }));
    cli.argv = ['requests', 'list', '--scope', 'team', '--team', 'payments', '--cursor', 'old', '--note', "it's"];
    expect(nextPage(cli, 'abc')).toBe("more: apollo requests list --scope team --team payments --note 'it'\\''s' --cursor abc   (or --all)");
    expect(nextPage(cli, null)).toBeUndefined();
  });
});

describe('output', () => {
  it('pads columns, upper-cases headers, and shows empty values as -', () => {
    expect(renderTable([{ a: 'x', b: null }, { a: 'longer', b: ['p', 'q'] }], [{ header: 'name', value: (r) => r.a }, { header: 'list', value: (r) => r.b }], PLAIN))
      .toBe('NAME    LIST\nx       -\nlonger  p, q\n');
    expect(cell({ k: 1 })).toBe('{"k":1}');
    expect(cell('two\n  lines')).toBe('two lines');
  });

  it('prints json and yaml of the data itself, whatever the view', () => {
    const view = { kind: 'fields', fields: [['shown', 'only in tables']] } as const;
    expect(render('json', { a: 1 }, view, PLAIN)).toBe('{\n  "a": 1\n}\n');
    expect(render('yaml', { a: 1 }, view, PLAIN)).toBe('a: 1\n');
    expect(render('table', { a: 1 }, view, PLAIN)).toBe('shown  only in tables\n');
  });
});
