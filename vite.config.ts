import fs from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

// The field app's service worker must live at /field/sw.js (its scope) under a fixed name, with its manifest and icons.
const FIELD = 'src/web/features/field';
const FIELD_FILES = ['manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png', 'icon-maskable-512.png', 'apple-touch-icon.png'];
const fieldPwa = (): Plugin => ({
  name: 'centinela-field-pwa',
  apply: 'build',
  generateBundle() {
    for (const f of FIELD_FILES) this.emitFile({ type: 'asset', fileName: `field/${f}`, source: fs.readFileSync(`${FIELD}/${f}`) });
  },
});

/**
 * Web front end (src/web) built into dist/web, which the API server serves at `/`.
 * No React plugin: Vite compiles TSX with its built-in transform (`jsx: 'react-jsx'` in tsconfig).
 */
export default defineConfig({
  root: 'src/web',
  plugins: [fieldPwa()],
  publicDir: false,
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    sourcemap: false,
    // The server's CSP forbids inline scripts: keep everything in external module files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // MapLibre GL (about 1.1 MB minified) is its own lazily loaded chunk, used only by the console map.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      input: { main: 'src/web/index.html', 'field-sw': `${FIELD}/sw.ts` },
      output: { entryFileNames: (chunk) => (chunk.name === 'field-sw' ? 'field/sw.js' : 'assets/[name]-[hash].js') },
      onwarn(warning, defaultHandler) {
        // React Router and TanStack Query mark their modules "use client"; meaningless in a plain SPA bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        defaultHandler(warning);
      },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    // Keep the Host header (no changeOrigin) so the server's Origin/Host CSRF check passes through the proxy.
    proxy: { '/api': { target: 'http://localhost:8080' } },
  },
  preview: {
    proxy: { '/api': { target: 'http://localhost:8080' } },
  },
});
