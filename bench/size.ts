/**
 * Size: gzip (level 9) and brotli (quality 11) of the CDN bundle (Lit inlined) and of the client
 * core alone, against their budgets (scripts/size.ts: 21 KB and 10 KB gzip) and against Lit alone minified the
 * same way. The bundles are built fresh from src with the project's own Vite config (modes `cdn`
 * and `cdn-client`), in memory: nothing is written to dist/.
 */
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'vite';
import { BUDGETS } from '../scripts/size.js';
import { single, type ResultRow } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const KB = 1024;

interface Bundle {
  name: string;
  code: string;
}

interface Chunk {
  type: string;
  fileName: string;
  code?: string;
}

/** The JavaScript chunks of a Vite build that did not write. */
function chunksOf(result: unknown): Chunk[] {
  const outputs = (Array.isArray(result) ? result : [result]) as { output?: Chunk[] }[];
  return outputs.flatMap((o) => o.output ?? []).filter((c) => c.type === 'chunk' && typeof c.code === 'string');
}

async function buildMode(mode: string): Promise<Chunk[]> {
  const result = await build({
    root,
    configFile: `${root}vite.config.ts`,
    mode,
    logLevel: 'silent',
    build: { write: false, emptyOutDir: false },
  });
  return chunksOf(result);
}

/**
 * One entry module and everything it imports, bundled into one file and minified like the CDN
 * bundle (Vite with Rolldown, ES2022, license comments kept), in memory.
 */
export async function buildMinified(entry: string): Promise<string> {
  const result = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry, formats: ['es'], fileName: () => 'bundle.js' },
      rolldownOptions: { output: { minify: true, comments: { legal: true, annotation: false, jsdoc: false } } },
    },
  });
  const chunks = chunksOf(result);
  if (chunks.length !== 1) throw new Error(`${entry} built into ${chunks.length} chunks`);
  return chunks[0]!.code!;
}

/** Lit's own entry (`export * from 'lit'`), minified like the CDN bundle. */
export const buildLitAlone = (): Promise<string> => buildMinified(fileURLToPath(new URL('./lit-alone.ts', import.meta.url)));

export function sizes(code: string): { raw: number; gzip: number; brotli: number } {
  const bytes = Buffer.from(code);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export const kb = (n: number) => `${(n / KB).toFixed(2)} KB`;

/** When the Vite config has no CDN modes: the same entries bundled and minified by esbuild. */
async function buildWithEsbuild(entry: string, fileName: string): Promise<Chunk[]> {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'inline',
    logLevel: 'silent',
    // The define modules are side effects of src/index.ts (package.json's sideEffects names dist/ only).
    ignoreAnnotations: true,
  });
  return [{ type: 'chunk', fileName, code: result.outputFiles[0]!.text }];
}

/** Our bundles as the build ships them: the CDN module, the classic script (when built), the client core. */
export async function buildOwnBundles(): Promise<{ cdn: string; iife?: string; client: string }> {
  let cdn: Chunk[];
  let client: Chunk[];
  try {
    cdn = [...(await buildMode('cdn')), ...(await buildMode('cdn-classic'))];
    client = await buildMode('cdn-client');
  } catch (error) {
    console.log(`  size: the Vite config cannot build the CDN modes (${(error as Error).message.split('\n')[0]}); bundling with esbuild instead`);
    cdn = await buildWithEsbuild('src/index.ts', 'progress-elements.js');
    client = await buildWithEsbuild('src/client/index.ts', 'progress-client.js');
  }
  const esm = cdn.find((c) => c.fileName === 'progress-elements.js');
  const iife = cdn.find((c) => c.fileName === 'progress-elements.iife.js');
  const core = client.find((c) => c.fileName === 'progress-client.js');
  if (!esm || !core) throw new Error(`the cdn builds gave ${[...cdn, ...client].map((c) => c.fileName).join(', ') || 'nothing'}`);
  return { cdn: esm.code!, ...(iife ? { iife: iife.code! } : {}), client: core.code! };
}

export async function runSize(): Promise<ResultRow[]> {
  const own = await buildOwnBundles();
  const bundles: Bundle[] = [];
  bundles.push({ name: 'CDN module (progress-elements.js)', code: own.cdn });
  if (own.iife) bundles.push({ name: 'CDN classic script (progress-elements.iife.js)', code: own.iife });
  bundles.push({ name: 'client core (progress-client.js)', code: own.client });
  const lit = sizes(await buildLitAlone());

  const B = 'size';
  const rows: ResultRow[] = [];
  for (const bundle of bundles) {
    const s = sizes(bundle.code);
    const isClient = bundle.name.startsWith('client');
    const budget = BUDGETS.find((b) => b.file.endsWith(isClient ? 'progress-client.js' : 'progress-elements.js'))!.gzip;
    rows.push(single(B, `${bundle.name}: raw / gzip / brotli`, `${kb(s.raw)} / ${kb(s.gzip)} / ${kb(s.brotli)}`, `gzip <= ${kb(budget)}`, s.gzip <= budget));
    if (!isClient) {
      rows.push(
        single(B, `${bundle.name}: gzip / Lit alone`, `${(s.gzip / lit.gzip).toFixed(2)}x (+${kb(s.gzip - lit.gzip)} over Lit)`),
        single(B, `${bundle.name}: brotli / Lit alone`, `${(s.brotli / lit.brotli).toFixed(2)}x (+${kb(s.brotli - lit.brotli)} over Lit)`),
      );
    }
  }
  rows.push(single(B, 'Lit alone (export * from lit): raw / gzip / brotli', `${kb(lit.raw)} / ${kb(lit.gzip)} / ${kb(lit.brotli)}`));
  return rows;
}
