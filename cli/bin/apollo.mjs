#!/usr/bin/env node
// The `apollo` command: loads the TypeScript CLI through tsx (no build step, so a checkout's
// `npx apollo` and `npm i -g` run the same source the tests do).
import process from 'node:process';
import { register } from 'tsx/esm/api';

// A reader that stops early (`apollo openapi | head`) is not an error of ours: end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
// The SDK's notice about Node versions it will drop in a later year is not for the CLI's user to act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../main.ts');
process.exitCode = await main(process.argv.slice(2));
