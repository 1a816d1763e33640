/** Builds the web app once before the browser tests when web/dist is missing or stale. */
import { ensureWebBuilt, webBuildReason } from '../../local/web.ts';

export default function setup(): void {
  ensureWebBuilt();
  const stale = webBuildReason();
  if (stale) throw new Error(`the web app did not build (${stale})`);
}
