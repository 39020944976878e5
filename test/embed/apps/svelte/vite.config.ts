import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  plugins: [svelte()],
});
