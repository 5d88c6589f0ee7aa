import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The build is committed (web/dist) and embedded in the Go binary, so it
// must be reproducible: no timestamps, stable hashed names.
export default defineConfig({
  plugins: [vue()],
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
