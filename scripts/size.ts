/**
 * The size budget of what a page ships (run after `npm run build`): the bundles in dist/cdn, each
 * file's size raw, gzip (level 9) and brotli (an ES module with the files it imports statically,
 * which load with it); and what an app built with a bundler ships at start for three uses of the
 * package (esbuild, code splitting, minified: the entry and every file it imports statically, each
 * gzip -9, summed; what loads on demand apart). Exits 1 when a figure is over its gzip budget.
 *
 *   node --import tsx scripts/size.ts            check (exit 1 when over budget)
 *   node --import tsx scripts/size.ts --warn     print only, never fail (what the build runs)
 *   node --import tsx scripts/size.ts --explain  also list the source modules that weigh most
 *
 * 1 KB = 1024 bytes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
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
  { file: 'dist/cdn/progress-elements.js', what: 'CDN module at start, Lit included', gzip: 28 * KB, entry: 'src/cdn.ts' },
  { file: 'dist/cdn/task-log-*.js', what: 'CDN module\'s <task-log>, loaded on demand', gzip: 10 * KB, entry: 'src/elements/define/task-log.ts' },
  { file: 'dist/cdn/progress-elements.iife.js', what: 'CDN classic script, whole: <task-log> included', gzip: 38 * KB, entry: 'src/cdn.ts' },
  { file: 'dist/cdn/progress-client.js', what: 'client alone (./client)', gzip: 10 * KB, entry: 'src/client/index.ts' },
];

/** The file a budget names; a `*` stands for the hash in the name of a file loaded on demand. */
function fileOf(budget: Budget): string | undefined {
  if (!budget.file.includes('*')) return existsSync(resolve(root, budget.file)) ? budget.file : undefined;
  const dir = dirname(budget.file);
  const [before, after] = basename(budget.file).split('*') as [string, string];
  const found = existsSync(resolve(root, dir)) ? readdirSync(resolve(root, dir)).filter((f) => f.startsWith(before) && f.endsWith(after)) : [];
  return found.length === 1 ? `${dir}/${found[0]}` : undefined;
}

export interface Measured extends Budget {
  raw: number;
  gzipped: number;
  brotli: number;
}

/** A built ES file and the files beside it that it imports statically (loaded with it), recursively. */
export function loadedWith(file: string): string[] {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    const code = readFileSync(resolve(root, f), 'utf8');
    for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[^'"()]*?from\s*)?["'](\.\/[^"']+)["']/g)) walk(`${dirname(f)}/${m[1]!.slice(2)}`);
  };
  walk(file);
  return [...seen];
}

/** A file's size, with what it imports statically (each file compressed alone, summed). */
export function measure(budget: Budget): Measured {
  const file = fileOf(budget) ?? budget.file;
  // A file loaded on demand by the module: alone (what it imports, the module has loaded already).
  const files = file.endsWith('.iife.js') || budget.file.includes('*') ? [file] : loadedWith(file);
  let raw = 0;
  let gzipped = 0;
  let brotli = 0;
  for (const f of files) {
    const code = readFileSync(resolve(root, f));
    raw += code.length;
    gzipped += gzipSync(code, { level: 9 }).length;
    brotli += brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return { ...budget, file: files.length > 1 ? `${file} +${files.length - 1}` : file, raw, gzipped, brotli };
}


/** An app of two or three lines, bundled against the built package. */
interface App {
  name: string;
  what: string;
  code: string;
  gzip: number;
}

const PACKAGE = '@aintandem/progress-elements';

export const APPS: App[] = [
  {
    name: 'one-element',
    what: 'one <task-progress> and configureProgress, Lit included',
    code: `import '${PACKAGE}/task-progress.js';\nimport { configureProgress } from '${PACKAGE}/elements';\nconfigureProgress({ url: 'https://orchestrator.example/api' });`,
    gzip: 20 * KB,
  },
  {
    name: 'package-root',
    what: 'the package root (the four elements) and configureProgress, Lit included',
    code: `import { configureProgress } from '${PACKAGE}';\nconfigureProgress({ url: 'https://orchestrator.example/api' });`,
    gzip: 28 * KB,
  },
  {
    name: 'client-subscribe',
    what: 'the client alone, subscribing to a task',
    code: `import { ProgressClient } from '${PACKAGE}/client';\nconst c = new ProgressClient({ url: 'wss://orchestrator.example/api/progress/subscribe/{projectId}' });\nc.subscribeToTask({ projectId: 'p', taskId: 't', onEvent: (e) => console.log(e) });`,
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

/** What an app ships: bundled in memory with esbuild against dist/, as `../shared`'s app-size tool does on disk. */
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
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint !== undefined);
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

const kb = (n: number): string => `${(n / KB).toFixed(2)} KB`;

/** The source modules of an entry, by their share of the minified bundle (each minified alone, so the numbers are approximate). */
async function explain(entry: string): Promise<void> {
  const { build } = await import('vite');
  const { minifySync } = await import('rolldown/utils');
  const { minifyLiterals } = await import('./minify-literals.js');
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    plugins: [minifyLiterals()],
    build: { write: false, target: 'es2022', minify: false, lib: { entry: resolve(root, entry), formats: ['es'], fileName: 'x' }, rolldownOptions: { output: { comments: false } } },
  });
  const outputs = Array.isArray(out) ? out : [out];
  const chunk = 'output' in outputs[0]! ? outputs[0].output[0] : undefined;
  if (!chunk) return;
  const rows = Object.entries(chunk.modules)
    .map(([id, m]) => {
      const code = m.code ?? '';
      const minified = code ? minifySync('module.js', code, { compress: true, mangle: true }).code : '';
      return { id: id.includes('node_modules/') ? id.slice(id.lastIndexOf('node_modules/') + 13) : relative(root, id), minified: minified.length, gzip: minified ? gzipSync(minified, { level: 9 }).length : 0 };
    })
    .filter((r) => r.minified > 0)
    .sort((a, b) => b.minified - a.minified);
  console.log(`\n  ${entry}: modules by minified size (gzip of each alone)`);
  for (const r of rows) console.log(`  ${String(r.minified).padStart(8)} B  ${String(r.gzip).padStart(6)} B gz  ${r.id}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { warn: { type: 'boolean', default: false }, explain: { type: 'boolean', default: false } } });
  const missing = BUDGETS.filter((b) => fileOf(b) === undefined);
  if (missing.length > 0) {
    console.error(`size: ${missing.map((b) => b.file).join(', ')} not built; run npm run build`);
    process.exit(1);
  }
  const rows = BUDGETS.map(measure);
  console.log('\nBundle sizes (1 KB = 1024 bytes)');
  console.log(`  ${'file'.padEnd(40)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)} ${'brotli'.padStart(10)}   budget (gzip)`);
  for (const r of rows) {
    const verdict = r.gzipped <= r.gzip ? 'ok' : `OVER by ${kb(r.gzipped - r.gzip)}`;
    console.log(`  ${r.file.padEnd(40)} ${kb(r.raw).padStart(10)} ${kb(r.gzipped).padStart(10)} ${kb(r.brotli).padStart(10)}   ${kb(r.gzip)} ${verdict}  (${r.what})`);
  }
  const apps = await Promise.all(APPS.map(measureApp));
  console.log('\nWhat an app ships at start (esbuild, code splitting, minified; gzip of each file, summed)');
  for (const a of apps) {
    const verdict = a.start <= a.gzip ? 'ok' : `OVER by ${kb(a.start - a.gzip)}`;
    console.log(`  ${a.name.padEnd(18)} ${kb(a.start).padStart(10)} in ${a.startFiles} file(s)   ${kb(a.gzip)} ${verdict}  (${a.what}; ${kb(a.later)} in ${a.laterFiles} file(s) on demand)`);
  }
  const over = [...rows.filter((r) => r.gzipped > r.gzip), ...apps.filter((a) => a.start > a.gzip)];
  if (values.explain) for (const entry of new Set(rows.map((r) => r.entry))) await explain(entry);
  if (over.length === 0) return;
  const message = `size: ${over.length} figure(s) over the gzip budget${values.explain ? '' : ' (run `npm run size -- --explain` to see what weighs most)'}`;
  if (values.warn) console.warn(`${message}\n`);
  else {
    console.error(message);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
