/**
 * Imported first by the local entry points (`npm start`, `npm run job`), before any handler module,
 * AWS SDK client or logger exists, because they read these once when they are created:
 * - the SDK's Node 20 deprecation warning concerns releases after early 2027 (ARCHITECTURE.md §9),
 *   not the pinned ones;
 * - the handlers' Powertools logger starts at WARN on a laptop unless LOG_LEVEL says otherwise
 *   (it resets to its initial level on every warm invocation, so setting it later does not stick);
 * - Powertools Metrics writes no EMF lines on a laptop (there is no CloudWatch to read them).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
