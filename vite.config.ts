/**
 * The package's bundles, one build per mode (`vite build --mode <name>`; `npm run build` runs them
 * all, see package.json):
 *
 * - `npm`: the modules behind package.json's `exports` (the root entry, `./elements`, one entry
 *   per element, `./client`, `./server`, `./server/redis`, `./server/metrics`,
 *   `./server/simulator`), one output file per source module, so that `sideEffects` stays exact
 *   and a page's bundler drops what it does not use; and `dist/server/cli/main.js`, the
 *   `progress-server` command (package.json's `bin`). Every bare import (lit, ws, ioredis, jose,
 *   prom-client, node:*) stays an import: a page with other Lit elements shares one copy of Lit,
 *   only `./server/redis` loads ioredis (the command imports it when given `--redis`, and jose
 *   when it checks JWTs), and only `./server/metrics` loads prom-client. The `.d.ts` files beside
 *   them come from `tsc -p tsconfig.build.json --emitDeclarationOnly`.
 * - `cdn`: for pages without a build step, with Lit inlined. `dist/cdn/progress-elements.js` is
 *   one ES module (from src/cdn.ts) that defines the three tags and exports what a page configures
 *   them with (`configureProgress` among it), all it needs at start in that one file, and beside it
 *   the files it loads on demand (`<task-log>`, tab sharing, snapshots, actions, the stream of the
 *   fallback transport: `[name]-[hash].js`).
 * - `cdn-classic`: `dist/cdn/progress-elements.iife.js`, the same as a classic script for
 *   `<script src>`, whole (the on-demand parts inside), its exports on `window.ProgressElements`.
 * - `cdn-client`: `dist/cdn/progress-client.js`, the client alone as one ES module (no Lit, no DOM
 *   needed): the file the client's size budget is measured on.
 */
import { isAbsolute, resolve } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { minifyLiterals } from './scripts/minify-literals.js';

const src = (path: string): string => resolve(import.meta.dirname, 'src', path);

/** The global the classic script puts its exports on. */
const CLASSIC_GLOBAL = 'ProgressElements';

const TAGS = ['task-progress', 'workflow-tracker', 'container-status', 'task-log'];

/**
 * package.json's `sideEffects` lists the built modules that define tags (dist/index.js,
 * dist/elements/define/*.js). To the bundler their sources in src/, which it does not list, are
 * then free of side effects, and it would drop the `customElements.define` calls; this marks
 * those sources (src/index.ts, src/elements/define/*.ts) as having side effects.
 */
function keepRegistrations(): Plugin {
  return {
    name: 'progress-elements:keep-registrations',
    transform: {
      filter: { id: /[\\/]src[\\/](index|cdn|elements[\\/]define[\\/][\w-]+)\.ts$/ },
      handler: (code) => ({ code, map: null, moduleSideEffects: true }),
    },
  };
}

/** Options every build shares: browsers with ES2022 (and Node 20 for the server). */
function base(build: UserConfig['build']): UserConfig {
  return {
    publicDir: false,
    logLevel: 'warn',
    // The elements' style sheets and markup without their indentation and comments.
    plugins: [keepRegistrations(), minifyLiterals()],
    build: { target: 'es2022', reportCompressedSize: false, copyPublicDir: false, ...build },
  };
}

function npmBuild(): UserConfig {
  const entry: Record<string, string> = {
    index: src('index.ts'),
    'elements/index': src('elements/index.ts'),
    'client/index': src('client/index.ts'),
    'server/index': src('server/index.ts'),
    // Loads ioredis (an optional peer dependency): only this entry does.
    'server/redis': src('server/redis.ts'),
    // Loads prom-client (an optional peer dependency): only this entry does.
    'server/metrics': src('server/metrics.ts'),
    'server/simulator/index': src('server/simulator/index.ts'),
    // The `progress-server` command (package.json's `bin`); keeps its `#!/usr/bin/env node` line.
    'server/cli/main': src('server/cli/main.ts'),
  };
  for (const tag of TAGS) entry[`elements/define/${tag}`] = src(`elements/define/${tag}.ts`);
  return base({
    outDir: 'dist',
    emptyOutDir: true,
    // Readable output: the page's own bundler minifies.
    minify: false,
    lib: { entry, formats: ['es'] },
    rolldownOptions: {
      external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
      output: { preserveModules: true, preserveModulesRoot: src(''), entryFileNames: '[name].js' },
    },
  });
}

/** Fully minified files; Lit's license notices are kept. */
const cdnOutput = { minify: true, comments: { legal: true, annotation: false, jsdoc: false } } as const;

/**
 * What a page may never use (the tab share, an action's request) stays in files of its own beside
 * the module, loaded on demand. The code they share with the module stays in the module (which may
 * then export a few more names for them) rather than going out of it into a third file.
 */
const cdnInput = { preserveEntrySignatures: 'allow-extension' } as const;

function cdnBuild(): UserConfig {
  return base({
    outDir: 'dist/cdn',
    emptyOutDir: false,
    minify: true,
    lib: { entry: src('cdn.ts'), formats: ['es'], fileName: () => 'progress-elements.js' },
    rolldownOptions: {
      ...cdnInput,
      // Everything the module loads at start in the module itself: the helpers it shares with its
      // lazy files too (left alone, they would go out into small files the page loads at start).
      output: { ...cdnOutput, codeSplitting: { groups: [{ name: 'start', tags: ['$initial'] }] } },
    },
  });
}

/** The classic script: one file, the lazy parts inside. */
function cdnClassicBuild(): UserConfig {
  return base({
    outDir: 'dist/cdn',
    emptyOutDir: false,
    minify: true,
    lib: { entry: src('cdn.ts'), name: CLASSIC_GLOBAL, formats: ['iife'], fileName: () => 'progress-elements.iife.js' },
    rolldownOptions: { output: cdnOutput },
  });
}

function cdnClientBuild(): UserConfig {
  return base({
    outDir: 'dist/cdn',
    emptyOutDir: false,
    minify: true,
    lib: { entry: src('client/index.ts'), formats: ['es'], fileName: () => 'progress-client.js' },
    rolldownOptions: { ...cdnInput, output: cdnOutput },
  });
}

export default defineConfig(({ mode }) => {
  switch (mode) {
    case 'npm':
      return npmBuild();
    case 'cdn':
      return cdnBuild();
    case 'cdn-classic':
      return cdnClassicBuild();
    case 'cdn-client':
      return cdnClientBuild();
    default:
      throw new Error(`vite.config.ts builds with --mode npm, cdn, cdn-classic or cdn-client (got "${mode}")`);
  }
});
