/**
 * The size budget of what a page ships (run after `npm run build`): the bundles in dist/cdn, each
 * file's size raw, gzip (level 9) and brotli, with the files beside the CDN module that load on
 * demand; and what an app built with a bundler ships at start for three uses of the package
 * (bundled with esbuild, code splitting, minified: the entry and every file it imports statically,
 * each gzip -9; what loads on demand apart). Exits 1 when a figure is over its gzip budget.
 *
 *   node --import tsx scripts/size.ts            check (exit 1 when over budget)
 *   node --import tsx scripts/size.ts --warn     print only, never fail (what the build runs)
 *   node --import tsx scripts/size.ts --explain  also list the source modules that weigh most
 *
 * 1 KB = 1024 bytes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '..');
const KB = 1024;

interface Budget {
  file: string;
  what: string;
  gzip: number;
  /** The source entry the file is built from (for --explain). */
  entry: string;
}

export const BUDGETS: Budget[] = [
  { file: 'dist/cdn/progress-elements.js', what: 'CDN module, Lit included', gzip: 28 * KB, entry: 'src/cdn.ts' },
  // Holds what the module leaves to files beside it (a classic script loads no other file).
  { file: 'dist/cdn/progress-elements.iife.js', what: 'CDN classic script, Lit and all included', gzip: 40 * KB, entry: 'src/cdn.ts' },
  { file: 'dist/cdn/progress-client.js', what: 'client alone (./client)', gzip: 10 * KB, entry: 'src/client/index.ts' },
];

/** An app of two lines, bundled against the built package. */
interface App {
  name: string;
  what: string;
  code: string;
  gzip: number;
}

export const APPS: App[] = [
  {
    name: 'one-element',
    what: 'one <task-progress> and configureProgress, Lit included',
    code: `import '@aintandem/progress-elements/task-progress.js';
import { configureProgress } from '@aintandem/progress-elements/elements';
configureProgress({ url: 'https://orchestrator.example/api' });`,
    gzip: 20 * KB,
  },
  {
    name: 'three-elements',
    what: 'the package root (three elements) and configureProgress, Lit included',
    code: `import { configureProgress } from '@aintandem/progress-elements';
configureProgress({ url: 'https://orchestrator.example/api' });`,
    gzip: 28 * KB,
  },
  {
    name: 'client-subscribe',
    what: 'the client alone, subscribing to a task',
    code: `import { ProgressClient } from '@aintandem/progress-elements/client';
const c = new ProgressClient({ url: 'wss://orchestrator.example/api/progress/subscribe/{projectId}' });
c.subscribeToTask({ projectId: 'p', taskId: 't', onEvent: (e) => console.log(e) });`,
    gzip: 10 * KB,
  },
];

export interface AppMeasured extends App {
  /** gzip of the files loaded at start, summed. */
  start: number;
  startFiles: number;
  /** gzip of the files loaded on demand, summed. */
  later: number;
  laterFiles: number;
}

/** The built file package.json's `exports` gives for an import of the package. */
function exportedFile(specifier: string): string | undefined {
  const exports = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).exports as Record<string, string | { default?: string }>;
  const target = exports[`.${specifier.slice(PACKAGE.length)}`];
  const file = typeof target === 'string' ? target : target?.default;
  return file ? resolve(root, file) : undefined;
}

const PACKAGE = '@aintandem/progress-elements';

export async function measureApp(app: App): Promise<AppMeasured> {
  const { build } = await import('esbuild');
  const out = await build({
    stdin: { contents: app.code, resolveDir: root, sourcefile: 'app.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    platform: 'browser',
    outdir: resolve(root, 'app-size-out'),
    write: false,
    metafile: true,
    logLevel: 'error',
    plugins: [
      {
        name: 'the-built-package',
        setup(b) {
          b.onResolve({ filter: /^@aintandem\/progress-elements(\/.*)?$/ }, (args) => {
            const path = exportedFile(args.path);
            return path ? { path } : { errors: [{ text: `${args.path} is not exported by package.json` }] };
          });
        },
      },
    ],
  });
  const outputs = out.metafile!.outputs;
  const code = new Map(out.outputFiles!.map((f) => [relative(root, f.path), f.contents]));
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint === 'app.js');
  if (!entry) throw new Error(`${app.name}: no entry in the bundle`);
  const start = new Set<string>();
  const walk = (file: string): void => {
    if (start.has(file)) return;
    start.add(file);
    for (const i of outputs[file]!.imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
  };
  walk(entry);
  const measured = { ...app, start: 0, startFiles: 0, later: 0, laterFiles: 0 };
  for (const [file, bytes] of code) {
    if (!file.endsWith('.js')) continue;
    const gz = gzipSync(bytes, { level: 9 }).length;
    if (start.has(file)) {
      measured.start += gz;
      measured.startFiles++;
    } else {
      measured.later += gz;
      measured.laterFiles++;
    }
  }
  return measured;
}

/** The files beside a CDN module that it loads on demand (its chunks). */
function chunksBeside(file: string): string[] {
  const dir = dirname(resolve(root, file));
  const code = readFileSync(resolve(root, file), 'utf8');
  return [...new Set(Array.from(code.matchAll(/import\(\s*["'`]\.\/([^"'`]+)["'`]\s*\)/g), (m) => m[1]!))].filter((f) => existsSync(resolve(dir, f))).map((f) => relative(root, resolve(dir, f)));
}

export interface Measured extends Budget {
  raw: number;
  gzipped: number;
  brotli: number;
}

/** The files a built file imports statically (`import … from "./x.js"`), and theirs: loaded with it. */
function loadedWith(file: string, seen = new Set<string>()): string[] {
  const dir = dirname(resolve(root, file));
  const code = readFileSync(resolve(root, file), 'utf8');
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["'`]\.\/([^"'`]+)["'`]/g)) {
    const next = relative(root, resolve(dir, m[1]!));
    if (seen.has(next) || !existsSync(resolve(root, next))) continue;
    seen.add(next);
    loadedWith(next, seen);
  }
  return [...seen];
}

/** The size of some files, summed. */
function sizeOf(files: string[]): { raw: number; gzipped: number; brotli: number } {
  const codes = files.map((f) => readFileSync(resolve(root, f)));
  const sum = (size: (code: Buffer) => number): number => codes.reduce((total, code) => total + size(code), 0);
  return {
    raw: sum((code) => code.length),
    gzipped: sum((code) => gzipSync(code, { level: 9 }).length),
    brotli: sum((code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length),
  };
}

/** A file's size, with the files it imports statically (a module that is split loads them all at once). */
export function measure(budget: Budget): Measured {
  return { ...budget, ...sizeOf([budget.file, ...loadedWith(budget.file)]) };
}

const kb = (n: number): string => `${(n / KB).toFixed(2)} KB`;

/**
 * The source modules of an entry, by their share of the minified bundle (each minified alone, so
 * the numbers are approximate); those of the files loaded on demand are marked so.
 */
async function explain(entry: string): Promise<void> {
  const { build } = await import('vite');
  const { minifySync } = await import('rolldown/utils');
  const { minifyLiterals } = await import('./minify-literals.js');
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    plugins: [minifyLiterals()],
    build: {
      write: false,
      target: 'es2022',
      minify: false,
      lib: { entry: resolve(root, entry), formats: ['es'], fileName: 'x' },
      rolldownOptions: { preserveEntrySignatures: 'allow-extension', output: { comments: false } },
    },
  });
  const outputs = Array.isArray(out) ? out : [out];
  const chunks = 'output' in outputs[0]! ? outputs[0].output.filter((o) => o.type === 'chunk') : [];
  const rows = chunks
    .flatMap((chunk) => Object.entries(chunk.modules).map(([id, m]) => ({ id, code: m.code ?? '', later: !chunk.isEntry })))
    .map(({ id, code, later }) => {
      const minified = code ? minifySync('module.js', code, { compress: true, mangle: true }).code : '';
      const name = id.includes('node_modules/') ? id.slice(id.lastIndexOf('node_modules/') + 13) : relative(root, id);
      return { id: later ? `${name}  (on demand)` : name, minified: minified.length, gzip: minified ? gzipSync(minified, { level: 9 }).length : 0 };
    })
    .filter((r) => r.minified > 0)
    .sort((a, b) => b.minified - a.minified);
  console.log(`\n  ${entry}: modules by minified size (gzip of each alone)`);
  for (const r of rows) console.log(`  ${String(r.minified).padStart(8)} B  ${String(r.gzip).padStart(6)} B gz  ${r.id}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { warn: { type: 'boolean', default: false }, explain: { type: 'boolean', default: false } } });
  const missing = BUDGETS.filter((b) => !existsSync(resolve(root, b.file)));
  if (missing.length > 0) {
    console.error(`size: ${missing.map((b) => b.file).join(', ')} not built; run npm run build`);
    process.exit(1);
  }
  const rows = BUDGETS.map(measure);
  const verdict = (size: number, budget: number): string => (size <= budget ? 'ok' : `OVER by ${kb(size - budget)}`);
  console.log('\nBundle sizes (1 KB = 1024 bytes)');
  console.log(`  ${'file'.padEnd(36)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)} ${'brotli'.padStart(10)}   budget (gzip)`);
  for (const r of rows) {
    console.log(`  ${r.file.padEnd(36)} ${kb(r.raw).padStart(10)} ${kb(r.gzipped).padStart(10)} ${kb(r.brotli).padStart(10)}   ${kb(r.gzip)} ${verdict(r.gzipped, r.gzip)}  (${r.what})`);
    if (r.file.endsWith('.iife.js')) continue;
    const atStart = new Set([r.file, ...loadedWith(r.file)]);
    for (const chunk of chunksBeside(r.file)) {
      // What it brings beyond what the module loaded already.
      const m = sizeOf([chunk, ...loadedWith(chunk)].filter((f) => !atStart.has(f)));
      console.log(`    ${chunk.slice(chunk.lastIndexOf('/') + 1).padEnd(34)} ${kb(m.raw).padStart(10)} ${kb(m.gzipped).padStart(10)} ${kb(m.brotli).padStart(10)}   loaded on demand`);
    }
  }
  const apps = await Promise.all(APPS.map(measureApp));
  console.log('\nWhat an app ships at start (esbuild, code splitting, minified; gzip of each file, summed)');
  for (const a of apps) {
    console.log(
      `  ${a.name.padEnd(18)} ${kb(a.start).padStart(10)} in ${a.startFiles} file(s)   ${kb(a.gzip)} ${verdict(a.start, a.gzip)}  (${a.what}; ${kb(a.later)} in ${a.laterFiles} file(s) on demand)`,
    );
  }
  const over = rows.filter((r) => r.gzipped > r.gzip).length + apps.filter((a) => a.start > a.gzip).length;
  if (values.explain) for (const entry of new Set(rows.map((r) => r.entry))) await explain(entry);
  if (over === 0) return;
  const message = `size: ${over} figure(s) over the gzip budget${values.explain ? '' : ' (run `npm run size -- --explain` to see what weighs most)'}`;
  if (values.warn) console.warn(`${message}\n`);
  else {
    console.error(message);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
