/**
 * Imported first by the local entry points (`npm start`, `npm run job`), before any handler module,
 * AWS SDK client or logger exists, because they read these once when they are created:
 * - the SDK's Node 20 deprecation warning concerns releases after early 2027 (ARCHITECTURE.md §9),
 *   not the pinned ones;
 * - the handlers' Powertools logger writes INFO and up (DEBUG when LOG_LEVEL says so), which the runtime keeps
 *   as the service `apollo`'s logs (own-logs.ts), and the terminal shows WARN and up unless LOG_LEVEL says
 *   otherwise (the logger resets to its initial level on every warm invocation, so it is set here, first);
 * - Powertools Metrics writes no EMF lines on a laptop (there is no CloudWatch to read them).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.APOLLO_TERMINAL_LOG_LEVEL ??= process.env.LOG_LEVEL || 'WARN';
if (!['TRACE', 'DEBUG'].includes((process.env.LOG_LEVEL ?? '').toUpperCase())) process.env.LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
