/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Two pages: the clerk workbench (index.html) and the citizen screen (citizen.html), so the
// citizen window never loads the workbench's bundle. No remote content: everything is bundled.
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        clerk: new URL('index.html', import.meta.url).pathname,
        citizen: new URL('citizen.html', import.meta.url).pathname,
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.spec.ts'],
  },
})
