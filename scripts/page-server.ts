/**
 * Serves pages on loopback for the benchmarks and the multi-tab tests: each page is one TypeScript
 * module of a folder, bundled with esbuild (the library's source and Lit inlined), and a page may
 * call back into its driver through `GET /control/{name}?…` (start a flood, publish an event,
 * restart a server).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export type ControlHandler = (query: URLSearchParams) => unknown | Promise<unknown>;

export interface PageServer {
  readonly origin: string;
  /** The URL of `{dir}/{name}.ts` wrapped in a page. */
  pageUrl(name: string): string;
  close(): Promise<void>;
}

/** Bundles the pages once; returns name -> JavaScript. */
async function bundle(dir: string, names: readonly string[]): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: Object.fromEntries(names.map((name) => [name, `${dir}/${name}.ts`])),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    outdir: 'out',
    minify: false,
    sourcemap: false,
    logLevel: 'warning',
    // The package's `sideEffects` names dist/ files only; the pages import the source, whose
    // define modules must not be dropped as side-effect free.
    ignoreAnnotations: true,
  });
  const scripts = new Map<string, string>();
  for (const file of result.outputFiles) {
    const name = file.path.split('/').pop()!.replace(/\.js$/, '');
    scripts.set(name, file.text);
  }
  return scripts;
}

/** `dir`: the folder (a file: URL or a path) that holds `{name}.ts` for each page. */
export async function startPageServer(dir: URL | string, pages: readonly string[], controls: Record<string, ControlHandler> = {}): Promise<PageServer> {
  const scripts = await bundle((typeof dir === 'string' ? dir : fileURLToPath(dir)).replace(/\/+$/, ''), pages);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const page = /^\/([\w-]+)\.(html|js)$/.exec(url.pathname);
    if (page && scripts.has(page[1]!)) {
      if (page[2] === 'js') send(200, 'text/javascript', scripts.get(page[1]!)!);
      else send(200, 'text/html', `<!doctype html><html><head><meta charset="utf-8"><title>${page[1]}</title></head><body><script type="module" src="/${page[1]}.js"></script></body></html>`);
      return;
    }
    const control = /^\/control\/([\w-]+)$/.exec(url.pathname);
    const handler = control && controls[control[1]!];
    if (handler) {
      Promise.resolve()
        .then(() => handler(url.searchParams))
        .then(
          (value) => send(200, 'application/json', JSON.stringify(value ?? null)),
          (error: Error) => send(500, 'text/plain', String(error?.stack ?? error)),
        );
      return;
    }
    send(404, 'text/plain', 'not found');
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('page server has no port');
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    pageUrl: (name) => `${origin}/${name}.html`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
