/** CODEOWNERS as GitHub documents it: the examples of its docs page, the last match winning, and the edges. */
import { describe, expect, it } from 'vitest';
import { ownerRule, parseCodeOwners, ruleMatches, teamSlugs } from './codeowners.ts';

const ownersOf = (text: string, path: string): readonly string[] | undefined => ownerRule(parseCodeOwners(text), path)?.owners;
const matches = (pattern: string, path: string): boolean => ruleMatches(parseCodeOwners(`${pattern} @o`).rules[0]!, path);

describe("GitHub's documented example file", () => {
  // https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
  const file = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`. Any changes
# in a \`/logs\` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty. Without an owner, changes
# to \`apps/github\` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as this subdirectory has its own owner @doctocat
/apps/ @octocat
/apps/github @doctocat
`;

  it('parses every rule and no problem; inline comments are dropped', () => {
    const parsed = parseCodeOwners(file);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rules.map((r) => [r.pattern, r.owners])).toEqual([
      ['*', ['@global-owner1', '@global-owner2']],
      ['*.js', ['@js-owner']],
      ['*.go', ['docs@example.com']],
      ['*.txt', ['@octo-org/octocats']],
      ['/build/logs/', ['@doctocat']],
      ['docs/*', ['docs@example.com']],
      ['apps/', ['@octocat']],
      ['/docs/', ['@doctocat']],
      ['/scripts/', ['@doctocat', '@octocat']],
      ['**/logs', ['@octocat']],
      ['/apps/', ['@octocat']],
      ['/apps/github', []],
      ['/apps/', ['@octocat']],
      ['/apps/github', ['@doctocat']],
    ]);
    expect(parsed.rules[1]!.line).toBe(14);
  });

  it('gives each path the owners of the last rule that matches it', () => {
    const cases: Array<[string, string[]]> = [
      ['README.md', ['@global-owner1', '@global-owner2']],
      ['src/app.js', ['@js-owner']],
      ['cmd/main.go', ['docs@example.com']],
      ['notes/todo.txt', ['@octo-org/octocats']],
      ['build/logs/today.log', ['@octocat']], // **/logs comes later than /build/logs/
      ['build/logs/deep/er.log', ['@octocat']],
      ['deeply/nested/logs/x', ['@octocat']],
      ['docs/getting-started.md', ['@doctocat']], // /docs/ comes after docs/*
      ['docs/build-app/troubleshooting.md', ['@doctocat']],
      ['scripts/deploy.sh', ['@doctocat', '@octocat']],
      ['apps/web/index.ts', ['@octocat']],
      ['apps/github/hook.ts', ['@doctocat']],
      ['lib/apps/x.ts', ['@octocat']], // apps/ at any depth
    ];
    for (const [path, owners] of cases) expect(ownersOf(file, path), path).toEqual(owners);
  });

  it('leaves a path unowned when the last matching rule has no owners', () => {
    const text = '* @everyone\n/apps/ @octocat\n/apps/github\n';
    expect(ownersOf(text, 'apps/github/x.ts')).toEqual([]);
    expect(ownersOf(text, 'apps/web/x.ts')).toEqual(['@octocat']);
  });
});

describe('patterns', () => {
  it('a pattern without a slash matches a file or directory of that name at any depth', () => {
    expect(matches('catalog', 'catalog/a.yaml')).toBe(true);
    expect(matches('catalog', 'x/catalog/a.yaml')).toBe(true);
    expect(matches('catalog', 'catalog')).toBe(true);
    expect(matches('catalog', 'catalogue/a.yaml')).toBe(false);
    expect(matches('a.yaml', 'deep/down/a.yaml')).toBe(true);
  });

  it('a leading or inner slash anchors the pattern at the root', () => {
    expect(matches('/catalog', 'catalog/a.yaml')).toBe(true);
    expect(matches('/catalog', 'x/catalog/a.yaml')).toBe(false);
    expect(matches('catalog/db', 'catalog/db/a.yaml')).toBe(true);
    expect(matches('catalog/db', 'x/catalog/db/a.yaml')).toBe(false);
  });

  it('a trailing slash matches directories only, and everything below them', () => {
    expect(matches('catalog/', 'catalog/a.yaml')).toBe(true);
    expect(matches('catalog/', 'x/catalog/deep/a.yaml')).toBe(true);
    expect(matches('catalog/', 'catalog')).toBe(false); // a file named catalog
  });

  it('* and ? stay within one segment', () => {
    expect(matches('catalog/*.yaml', 'catalog/postgresql-database.yaml')).toBe(true);
    expect(matches('catalog/*.yaml', 'catalog/db/postgresql-database.yaml')).toBe(false);
    expect(matches('catalog/postgres?l-*.yaml', 'catalog/postgresql-database.yaml')).toBe(true);
    expect(matches('catalog/postgres?l-*.yaml', 'catalog/postgres/l-x.yaml')).toBe(false);
    expect(matches('*.yaml', 'catalog/db/x.yaml')).toBe(true);
    expect(matches('*.yaml', 'catalog/db/x.yml')).toBe(false);
  });

  it('a pattern ending in /* owns the files directly inside only', () => {
    expect(matches('catalog/*', 'catalog/a.yaml')).toBe(true);
    expect(matches('catalog/*', 'catalog/db/a.yaml')).toBe(false);
  });

  it('** spans any number of directories, at the start, the end and in the middle', () => {
    expect(matches('**/s3-*.yaml', 's3-bucket.yaml')).toBe(true);
    expect(matches('**/s3-*.yaml', 'catalog/storage/s3-bucket.yaml')).toBe(true);
    expect(matches('catalog/**', 'catalog/a.yaml')).toBe(true);
    expect(matches('catalog/**', 'catalog/a/b/c.yaml')).toBe(true);
    expect(matches('catalog/**', 'other/catalog/a.yaml')).toBe(false);
    expect(matches('catalog/**/db.yaml', 'catalog/db.yaml')).toBe(true);
    expect(matches('catalog/**/db.yaml', 'catalog/x/y/db.yaml')).toBe(true);
    expect(matches('catalog/**/db.yaml', 'catalog/x/y/db.yaml.bak')).toBe(false);
    expect(matches('catalog/a**b', 'catalog/axxb')).toBe(true);
    expect(matches('catalog/a**b', 'catalog/ax/xb')).toBe(false);
  });

  it('* alone and / own everything', () => {
    expect(matches('*', 'a/b/c.yaml')).toBe(true);
    expect(matches('/', 'a/b/c.yaml')).toBe(true);
  });

  it('regular-expression characters in a pattern are literal', () => {
    expect(matches('catalog/a.b+(c).yaml', 'catalog/a.b+(c).yaml')).toBe(true);
    expect(matches('catalog/a.b+(c).yaml', 'catalog/aXbb(c)Xyaml')).toBe(false);
    expect(matches('cat$log^', 'cat$log^/x')).toBe(true);
  });

  it('escapes: \\# is a literal #, \\  a literal space', () => {
    const parsed = parseCodeOwners('\\#notes.md @a/b\nmy\\ file.txt @a/c # trailing comment\n');
    expect(parsed.rules.map((r) => [r.pattern, r.owners])).toEqual([['\\#notes.md', ['@a/b']], ['my\\ file.txt', ['@a/c']]]);
    expect(ruleMatches(parsed.rules[0]!, '#notes.md')).toBe(true);
    expect(ruleMatches(parsed.rules[1]!, 'docs/my file.txt')).toBe(true);
  });

  it('a leading slash on the path does not matter', () => {
    expect(matches('/catalog/', '/catalog/a.yaml')).toBe(true);
  });
});

describe('lines GitHub does not accept', () => {
  it('reports negation, character ranges and malformed owners with their line, and skips them', () => {
    const parsed = parseCodeOwners('* @apollo-demo/platform\n!catalog/x.yaml @a/b\ncatalog/[ab].yaml @a/b\ncatalog/ not-an-owner\n\n  # indented comment\n\t\ncatalog/ok.yaml @apollo-demo/data\r\n');
    expect(parsed.problems).toEqual([
      { line: 2, message: 'negation (!catalog/x.yaml) does not work in CODEOWNERS; the line is skipped' },
      { line: 3, message: 'character ranges ([ ]) do not work in CODEOWNERS; the line is skipped' },
      { line: 4, message: 'not-an-owner is not an owner (@user, @org/team or an email address); the line is skipped' },
    ]);
    expect(parsed.rules.map((r) => [r.pattern, r.line])).toEqual([['*', 1], ['catalog/ok.yaml', 8]]);
  });

  it('an empty file owns nothing', () => {
    expect(ownerRule(parseCodeOwners(''), 'a')).toBeUndefined();
    expect(ownerRule(parseCodeOwners('# only comments\n'), 'a')).toBeUndefined();
  });
});

describe('team slugs', () => {
  it('takes @org/team as the team slug (lower case), ignoring users, emails and other organisations', () => {
    expect(teamSlugs(['@apollo-demo/Platform', '@alice', 'a@b.co', '@other-org/data', '@apollo-demo/payments'], 'apollo-demo')).toEqual(['platform', 'payments']);
    expect(teamSlugs(['@other-org/data'])).toEqual(['data']);
  });
});
