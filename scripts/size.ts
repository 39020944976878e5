/**
 * The size budget of the bundles in dist/cdn (run after `npm run build`): prints each file's
 * size raw, gzip (level 9) and brotli, and exits 1 when a file is over its gzip budget.
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

export function measure(budget: Budget): Measured {
  const file = fileOf(budget) ?? budget.file;
  const code = readFileSync(resolve(root, file));
  return {
    ...budget,
    file,
    raw: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
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
  const over = rows.filter((r) => r.gzipped > r.gzip);
  if (values.explain) for (const entry of new Set(rows.map((r) => r.entry))) await explain(entry);
  if (over.length === 0) return;
  const message = `size: ${over.length} bundle(s) over the gzip budget${values.explain ? '' : ' (run `npm run size -- --explain` to see what weighs most)'}`;
  if (values.warn) console.warn(`${message}\n`);
  else {
    console.error(message);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
