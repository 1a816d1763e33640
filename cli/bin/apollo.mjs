#!/usr/bin/env node
// The `apollo` command: loads the TypeScript CLI through tsx (no build step, so a checkout's
// `npx apollo` and `npm i -g` run the same source the tests do).
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main.ts');
process.exitCode = await main(process.argv.slice(2));
