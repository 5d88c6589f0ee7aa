import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import VueI18nPlugin from '@intlify/unplugin-vue-i18n/vite'

// The build is committed (web/dist) and embedded in the Go binary, so it
// must be reproducible: no timestamps, stable hashed names.
//
// The language catalogues (src/locales/*.json) are compiled to code here,
// at build time, and the app bundles vue-i18n's runtime-only build: no
// message is compiled in the browser, so the CSP needs no 'unsafe-eval'.
export default defineConfig({
  plugins: [
    vue(),
    VueI18nPlugin({
      include: [fileURLToPath(new URL('./src/locales/**', import.meta.url))],
      runtimeOnly: true,
      compositionOnly: true,
      fullInstall: false,
      strictMessage: true,
      dropMessageCompiler: true,
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' },
  },
})
