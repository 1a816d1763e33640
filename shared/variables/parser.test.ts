import { describe, expect, it } from 'vitest';
import { parseExpression, parseTemplate } from './parser.ts';

describe('parseTemplate', () => {
  it('splits text and templates, keeping each template as written', () => {
    expect(parseTemplate('db-{{ fields.name | slug }}-{{request.id}}')).toEqual([
      { kind: 'text', text: 'db-' },
      { kind: 'template', source: '{{ fields.name | slug }}', expression: 'fields.name | slug', parsed: { path: ['fields', 'name'], filters: [{ name: 'slug', args: [] }] }, error: undefined },
      { kind: 'text', text: '-' },
      { kind: 'template', source: '{{request.id}}', expression: 'request.id', parsed: { path: ['request', 'id'], filters: [] }, error: undefined },
    ]);
  });

  it('reads \\{{ as literal braces and leaves a lone }} as text', () => {
    expect(parseTemplate('\\{{ not a template }} and }}')).toEqual([{ kind: 'text', text: '{{ not a template }} and }}' }]);
  });

  it('does not close a template at a }} inside a quoted argument', () => {
    // Act
    const [segment] = parseTemplate('{{ fields.a | replace("}}", \'{{\') }}');

    // Assess
    expect(segment).toMatchObject({ kind: 'template', parsed: { path: ['fields', 'a'], filters: [{ name: 'replace', args: ['}}', '{{'] }] } });
  });

  it('reports an unclosed template and keeps everything after it as its source', () => {
    expect(parseTemplate('a {{ fields.x | upper')).toEqual([
      { kind: 'text', text: 'a ' },
      {
        kind: 'template',
        source: '{{ fields.x | upper',
        expression: 'fields.x | upper',
        parsed: undefined,
        error: { code: 'unclosed-template', message: "a template opened with '{{' is never closed with '}}' (write '\\{{' for literal braces)" },
      },
    ]);
  });

  it('closes at the first }} when a quote is never closed, and reports the quote', () => {
    expect(parseTemplate('{{ fields.a | default("x }} tail')).toEqual([
      { kind: 'template', source: '{{ fields.a | default("x }}', expression: 'fields.a | default("x', parsed: undefined, error: { code: 'syntax', message: 'a string starting at column 21 is never closed' } },
      { kind: 'text', text: ' tail' },
    ]);
  });
});

describe('parseExpression', () => {
  it('reads nested paths, kebab-case keys and array indexes', () => {
    expect(parseExpression('fields.tags.0')).toEqual({ path: ['fields', 'tags', '0'], filters: [] });
    expect(parseExpression('output.create-repo.html_url')).toEqual({ path: ['output', 'create-repo', 'html_url'], filters: [] });
  });

  it('reads filters with literal arguments and whitespace anywhere between tokens', () => {
    expect(parseExpression('  fields.x |default( "a\\"b" ) | replace(\'-\' ,"_")|upper()  ')).toEqual({
      path: ['fields', 'x'],
      filters: [
        { name: 'default', args: ['a"b'] },
        { name: 'replace', args: ['-', '_'] },
        { name: 'upper', args: [] },
      ],
    });
    expect(parseExpression('fields.n | default(-1.5)')).toEqual({ path: ['fields', 'n'], filters: [{ name: 'default', args: [-1.5] }] });
    expect(parseExpression('fields.b | default(true)')).toEqual({ path: ['fields', 'b'], filters: [{ name: 'default', args: [true] }] });
    expect(parseExpression('fields.b | default(null)')).toEqual({ path: ['fields', 'b'], filters: [{ name: 'default', args: [null] }] });
  });

  it.each([
    ['', 'empty-expression', 'the template names no variable'],
    ['   ', 'empty-expression', 'the template names no variable'],
    ['1fields.x', 'syntax', "expected a variable such as fields.name, found '1' at column 1"],
    ['fields.', 'syntax', "expected a name after '.', found the end"],
    ['fields . x', 'syntax', "unexpected '.' at column 8"],
    ['fields.x |', 'syntax', "expected a filter name after '|', found the end"],
    ['fields.x | upper(', 'syntax', 'expected an argument, found the end'],
    ['fields.x | default("a" "b")', 'syntax', `expected ',' or ')' in the arguments of default, found '"' at column 24`],
    ['fields.x | default(x)', 'syntax', "expected a quoted string, a number, true, false or null at column 20, found 'x'"],
    ['fields.x | default("\\u0041")', 'syntax', "unknown escape '\\u' in a string at column 21"],
    ['fields.x | default(1.)', 'syntax', 'expected digits after the decimal point at column 22'],
    ['fields.x + 1', 'syntax', "unexpected '+' at column 10"],
    ['fields["x"]', 'syntax', "unexpected '[' at column 7"],
    ['${process.exit()}', 'syntax', "expected a variable such as fields.name, found '$' at column 1"],
  ])('refuses %j: %s', (body, code, message) => {
    expect(parseExpression(body)).toEqual({ code, message });
  });
});
