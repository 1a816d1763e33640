/** docs/cli.md is the command tree's own help: it cannot drift from the CLI. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { cliReference } from './reference.ts';

it('docs/cli.md is up to date with the commands (npm run gen:cli-docs rewrites it)', () => {
  const written = readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8');
  const current = cliReference();
  expect(written === current, 'docs/cli.md is stale: run `npm run gen:cli-docs`').toBe(true);
  // Every command that runs something (no subcommands of its own) shows examples.
  const leaves = current.split(/\n(?=#{2,4} `apollo)/).slice(1).filter((section) => !section.includes('\nCommands:'));
  expect(leaves.length).toBeGreaterThan(50);
  for (const section of leaves) expect(section, section.split('\n')[0]).toContain('Examples:');
});
