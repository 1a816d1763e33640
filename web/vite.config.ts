import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

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
  server: { fs: { allow: ['..'] } },
});
