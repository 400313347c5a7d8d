import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath, URL } from 'node:url';

// Two pages, served by the kefu server from web/dist:
//   /         -> dist/index.html          (customer widget demo page)
//   /console  -> dist/console/index.html  (agent console)
// `base: '/'` makes every asset URL absolute (/assets/...), so both pages
// work whatever path the server maps them to.
const backend = process.env.KEFU_DEV_BACKEND ?? 'http://127.0.0.1:18080';

export default defineConfig({
  base: '/',
  plugins: [vue()],
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsDir: 'assets',
    rollupOptions: {
      input: {
        widget: fileURLToPath(new URL('./index.html', import.meta.url)),
        console: fileURLToPath(new URL('./console/index.html', import.meta.url)),
      },
      output: {
        // code shared by both pages (Vue, vue-i18n, src/shared) goes to one common chunk
        chunkFileNames: 'assets/common-[hash].js',
        assetFileNames: (info: { names?: string[] }) =>
          (info.names ?? []).some((n) => n.endsWith('.css') && n !== 'widget.css' && n !== 'console.css')
            ? 'assets/common-[hash][extname]'
            : 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: false },
      '/healthz': { target: backend },
    },
  },
});
