/**
 * What `<task-log>` adds to an app, gzip: tiny apps built from src with Vite (Lit inlined,
 * minified as the CDN bundle is, the elements' style sheets and markup minified as the build does),
 * in memory. The core is what every element needs: Lit, the client and `configureProgress`. Each
 * app's size is its entry chunk and the chunks it imports statically (code loaded on demand, by
 * dynamic import, left out), gzip level 9.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'vite';
import { minifyLiterals } from '../scripts/minify-literals.js';
import { kb } from './size.js';
import { single, type ResultRow } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = (path: string) => JSON.stringify(join(root, 'src', path));

const APPS = {
  core: `import { configureProgress } from ${src('elements/shared/configure.ts')};\nconfigureProgress({ url: 'https://orchestrator.example/api' });\n`,
  'task-progress': `import ${src('elements/define/task-progress.ts')};\nimport { configureProgress } from ${src('elements/shared/configure.ts')};\nconfigureProgress({ url: 'https://orchestrator.example/api' });\n`,
  'task-log': `import ${src('elements/define/task-log.ts')};\nimport { configureProgress } from ${src('elements/shared/configure.ts')};\nconfigureProgress({ url: 'https://orchestrator.example/api' });\n`,
};

interface OutChunk {
  type: string;
  fileName: string;
  code?: string;
  isEntry?: boolean;
  imports?: string[];
}

/** The define modules register their tags: side effects, though package.json's `sideEffects` names dist/ files only (as vite.config.ts). */
const keepDefinitions: Plugin = {
  name: 'bench:keep-definitions',
  transform: {
    filter: { id: /[\\/]src[\\/]elements[\\/]define[\\/][\w-]+\.ts$/ },
    handler: (code) => ({ code, map: null, moduleSideEffects: true }),
  },
};

/** gzip bytes of the app's entry and the chunks it imports statically. */
async function appSize(entry: string): Promise<number> {
  const result = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [keepDefinitions, minifyLiterals()],
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry, formats: ['es'], fileName: () => 'app.js' },
      rolldownOptions: {
        output: { minify: true, comments: { legal: true, annotation: false, jsdoc: false } },
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as { output?: OutChunk[] }[];
  const chunks = new Map(outputs.flatMap((o) => o.output ?? []).filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const i of chunks.get(name)?.imports ?? []) walk(i);
  };
  for (const c of chunks.values()) if (c.isEntry) walk(c.fileName);
  let gzip = 0;
  for (const name of seen) gzip += gzipSync(Buffer.from(chunks.get(name)?.code ?? ''), { level: 9 }).length;
  return gzip;
}

export async function runTaskLogSize(): Promise<ResultRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'task-log-size-'));
  try {
    const size: Record<string, number> = {};
    for (const [name, code] of Object.entries(APPS)) {
      const file = join(dir, `${name}.js`);
      await writeFile(file, code);
      size[name] = await appSize(file);
    }
    const B = 'task-log size (gzip, Lit inlined)';
    const own = size['task-log']! - size.core!;
    return [
      single(B, 'core: Lit + client + configureProgress', kb(size.core!)),
      single(B, 'app with <task-progress>', `${kb(size['task-progress']!)} (+${kb(size['task-progress']! - size.core!)} over the core)`),
      single(B, 'app with <task-log>', kb(size['task-log']!)),
      single(B, "<task-log>'s own code over the core", kb(own), '<= 10 KB', own <= 10 * 1024),
      single(B, '<task-log> app - <task-progress> app', kb(size['task-log']! - size['task-progress']!)),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
