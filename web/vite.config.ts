import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const runtime = process.env.APOLLO_URL ?? 'http://127.0.0.1:3000';

/** The web app: built to web/dist, served by Amplify in AWS and by the local runtime on a laptop. */
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // aws-amplify is loaded only in AWS mode (dynamic import), so it lands in its own chunk.
    chunkSizeWarningLimit: 1500,
  },
  // `npx vite --config web/vite.config.ts` (hot reload) next to `npm start`: the runtime answers the API,
  // config, sign-in and realtime. The Host header is kept (no changeOrigin): SigV4 signs it.
  server: {
    fs: { allow: ['..'] },
    proxy: Object.fromEntries(['/api', '/config.json', '/local', '/realtime'].map((path) => [path, { target: runtime, ws: path === '/realtime' }])),
  },
});
