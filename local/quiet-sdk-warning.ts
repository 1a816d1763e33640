/**
 * Imported first by the local entry points, before any AWS SDK client exists: the SDK's Node 20
 * deprecation warning concerns releases after early 2027 (ARCHITECTURE.md §9), not the pinned ones.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
