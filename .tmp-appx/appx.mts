import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
const root = '/work/main';
const exportsMap = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).exports;
const code = process.argv[2];
const out = await build({ stdin: { contents: code, resolveDir: root, sourcefile: 'app.js', loader: 'js' }, bundle: true, minify: true, format: 'esm', splitting: true, platform: 'browser', outdir: '/tmp/appx', write: false, metafile: true, logLevel: 'error',
  plugins: [{ name: 'p', setup(b) { b.onResolve({ filter: /^@aintandem\/progress-elements(\/.*)?$/ }, (a) => { const t = exportsMap['.' + a.path.slice('@aintandem/progress-elements'.length)]; return { path: resolve(root, typeof t === 'string' ? t : t.default) }; }); } }] });
const outputs = out.metafile.outputs;
const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint !== undefined)!;
const start = new Set<string>();
const walk = (f: string) => { if (start.has(f)) return; start.add(f); for (const i of outputs[f].imports) if (i.kind === 'import-statement' && !i.external) walk(i.path); };
walk(entry);
const rows: [string, number][] = [];
for (const f of start) for (const [inp, v] of Object.entries(outputs[f].inputs)) rows.push([inp, (v as any).bytesInOutput]);
rows.sort((a, b) => b[1] - a[1]);
let total = 0; for (const r of rows) total += r[1];
console.log('start minified total', total);
for (const r of rows.slice(0, 40)) console.log(String(r[1]).padStart(7), r[0]);
