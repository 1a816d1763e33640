/**
 * How a Lambda is bundled for production, in one place: the benchmark measures exactly these
 * options, and the CDK stack reuses them so what we measure is what we ship.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/**
 * Some dependencies are CommonJS and call `require` at runtime, which an ESM bundle lacks.
 * The alias avoids clashing with a bundled module's own `createRequire` binding.
 */
export const REQUIRE_SHIM_BANNER =
  "import { createRequire as __apolloCreateRequire } from 'node:module'; const require = __apolloCreateRequire(import.meta.url);";

export interface LambdaBundleInput {
  /** The Lambda's entry, e.g. `functions/system/handler.ts`. */
  readonly entryPoint: string;
  /** The bundle to write; `.mjs` so Node (and Lambda) load it as ESM without a package.json. */
  readonly outfile: string;
  /** Production ships source maps; size measurements leave them out. Default false. */
  readonly sourcemap?: boolean;
}

/**
 * The esbuild options of every Apollo Lambda (ARCHITECTURE.md §9, "Lambda cold start"): ESM for
 * Node 22, minified, and the AWS SDK bundled rather than taken from the runtime, because a bundled,
 * tree-shaken client initialises hundreds of milliseconds faster than the runtime's copy.
 * `mainFields` prefers each package's ESM build so tree shaking has something to work with.
 */
export function lambdaBundleOptions(input: LambdaBundleInput): BuildOptions {
  return {
    entryPoints: [input.entryPoint],
    outfile: input.outfile,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    bundle: true,
    minify: true,
    sourcemap: input.sourcemap ?? false,
    external: [],
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM_BANNER },
  };
}

export interface BundleResult {
  readonly outfile: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Bytes in the output per npm package (or `(app)` for our own code), largest first. */
  readonly packages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

/** Bundles one Lambda with the production options and measures what it would upload. */
export async function bundleLambda(input: LambdaBundleInput): Promise<BundleResult> {
  // The metafile is analysis only: it doesn't change the output.
  const result = await build({ ...lambdaBundleOptions(input), metafile: true, logLevel: 'warning' });
  const code = readFileSync(input.outfile);
  return {
    outfile: input.outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    packages: bytesByPackage(result.metafile),
  };
}

/**
 * `node_modules/@aws-sdk/client-dynamodb/dist-es/x.js` → `@aws-sdk/client-dynamodb`. Our own code is
 * `(app)`, except the schema artefacts (a generated validator, a schema's JSON), which are named by
 * their file: one of them can outweigh every module we wrote.
 */
export function packageOf(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  if (at < 0) return /^schemas\/.*\.(gen\.c?js|json)$/.test(inputPath) ? inputPath : '(app)';
  const [scopeOrName = '', name = ''] = inputPath.slice(at + marker.length).split('/');
  return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
}

function bytesByPackage(metafile: Metafile): BundleResult['packages'] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
