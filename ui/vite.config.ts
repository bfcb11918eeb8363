import { defineConfig, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';

// Node's process, typed here so the config needs no @types/node.
declare const process: { env: Record<string, string | undefined> };

// The dev and preview servers pass /api to a floe server. A 401 for the app's
// own calls (marked X-Requested-With) loses its WWW-Authenticate header on the
// way, so the browser leaves sign-in to the app's form instead of popping up
// its own dialog (which also stalls headless test browsers).
function apiProxy(target: string): Record<string, ProxyOptions> {
  return {
    '/api': {
      target,
      changeOrigin: false,
      configure(proxy) {
        proxy.on('proxyRes', (res, req) => {
          if (res.statusCode === 401 && req.headers['x-requested-with']) delete res.headers['www-authenticate'];
        });
      },
    },
  };
}

// The floe binary embeds dist/ and serves it under /ui/ (index.html for any
// unknown /ui/... path), so every asset URL must carry that base.
export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // No source maps: they would be embedded in the binary for no user benefit.
    sourcemap: false,
  },
  worker: { format: 'es' },
  server: { proxy: apiProxy(process.env.FLOE_API ?? 'http://127.0.0.1:18080') },
  preview: { proxy: apiProxy(process.env.FLOE_API ?? 'http://127.0.0.1:18080') },
});
