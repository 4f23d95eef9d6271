import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  // Tauri serves the files itself; relative paths keep them working there.
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
    // No inline <script> or style attributes: the CSP allows only 'self'.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
  },
  // Svelte's browser build in tests, as in the app.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
  },
}));
