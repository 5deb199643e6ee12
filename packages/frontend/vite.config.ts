import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The product URL is the backend's (it serves dist/ at /). The dev proxy only helps `vite dev`
// during UI work: it forwards /api to a running backend (OKO_BACKEND_URL, default :8000).
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: { '/api': process.env.OKO_BACKEND_URL ?? 'http://127.0.0.1:8000' },
  },
});
