import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { precompress } from './build/precompress.js';

// The product URL is the backend's (it serves dist/ at /). The dev proxy only helps `vite dev`
// during UI work: it forwards /api to a running backend (OKO_BACKEND_URL, default :8000).
// Source maps only when asked (OKO_UI_SOURCEMAP=true at build time): they double what a
// deployment ships and publish the source; the backend serves them only when they exist.
export default defineConfig({
  plugins: [vue(), precompress()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: process.env.OKO_UI_SOURCEMAP === 'true' },
  server: {
    proxy: { '/api': process.env.OKO_BACKEND_URL ?? 'http://127.0.0.1:8000' },
  },
});
