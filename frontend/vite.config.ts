/// <reference types="vitest/config" />
// Build, dev server and unit-test configuration of the buyer web app.
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The API this dev server forwards /api and /openapi.json to (scripts/up's default core-api).
const apiTarget = process.env.HOLDFAST_API_TARGET ?? 'http://127.0.0.1:3000';

// A strict Content-Security-Policy in the built page only (the dev server injects inline
// scripts for hot reload). Tokens live in this origin's storage, so no foreign script may run.
const csp: Plugin = {
  name: 'holdfast-csp',
  apply: 'build',
  transformIndexHtml(html) {
    const policy = [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
    ].join('; ');
    return html.replace(
      '<meta charset="UTF-8" />',
      `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`,
    );
  },
};

export default defineConfig({
  plugins: [svelte(), csp],
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/openapi.json': { target: apiTarget },
    },
  },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
