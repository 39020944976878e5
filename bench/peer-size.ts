/**
 * Size against the alternatives: gzip (level 9) and brotli (quality 11) of what a page ships for
 * each peer, built the same way as our CDN bundles (Vite with Rolldown, minified, in memory;
 * bench/size.ts): socket.io-client and partysocket (transports, against our client core), and
 * Shoelace's `sl-progress-bar` and Material Web's `md-linear-progress` (progress bars, each with its
 * share of its library and Lit, against our CDN module with its three elements, the client and Lit).
 * The entries are in bench/peer-bundles/; the peers' code is bundled as published.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildLitAlone, buildMinified, buildOwnBundles, kb, sizes } from './size.js';
import { single, type ResultRow } from './stats.js';

interface Peer {
  name: string;
  entry: string;
  /** A string the bundle must hold (the tag it registers), to show the build kept what a page uses. */
  mustHold?: string;
  /** Compared with: our client core or our CDN module. */
  against: 'client' | 'cdn';
  /** Built on Lit: also shown over Lit alone. */
  lit: boolean;
}

const PEERS: Peer[] = [
  { name: 'socket.io-client (io)', entry: 'socket.io-client.ts', against: 'client', lit: false },
  { name: 'partysocket (WebSocket)', entry: 'partysocket.ts', against: 'client', lit: false },
  { name: "Shoelace sl-progress-bar (its share of Shoelace, Lit)", entry: 'shoelace-progress-bar.ts', mustHold: 'sl-progress-bar', against: 'cdn', lit: true },
  { name: 'Material Web md-linear-progress (its share of Material Web, Lit)', entry: 'material-linear-progress.ts', mustHold: 'md-linear-progress', against: 'cdn', lit: true },
];

/** The installed version of a package (not every package exports its package.json). */
const version = (name: string): string =>
  (JSON.parse(readFileSync(fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;

export async function runPeerSize(): Promise<ResultRow[]> {
  const own = await buildOwnBundles();
  const ours = { cdn: sizes(own.cdn), client: sizes(own.client) };
  const lit = sizes(await buildLitAlone());
  const B = 'peers: size';
  const three = (s: { raw: number; gzip: number; brotli: number }) => `${kb(s.raw)} / ${kb(s.gzip)} / ${kb(s.brotli)}`;
  const rows: ResultRow[] = [
    single(B, 'ours: CDN module (3 elements, client, Lit): raw / gzip / brotli', three(ours.cdn)),
    single(B, 'ours: client core (progress-client.js): raw / gzip / brotli', three(ours.client)),
  ];
  console.log(
    `  peer-size: socket.io-client ${version('socket.io-client')}, partysocket ${version('partysocket')}, @shoelace-style/shoelace ${version('@shoelace-style/shoelace')}, ` +
      `@material/web ${version('@material/web')}, lit ${version('lit')}`,
  );
  for (const peer of PEERS) {
    const code = await buildMinified(fileURLToPath(new URL(`./peer-bundles/${peer.entry}`, import.meta.url)));
    if (peer.mustHold && !code.includes(peer.mustHold)) throw new Error(`${peer.name}: the bundle does not register ${peer.mustHold}`);
    const s = sizes(code);
    const base = ours[peer.against];
    const what = peer.against === 'client' ? 'our client core' : 'our CDN module';
    rows.push(
      single(B, `${peer.name}: raw / gzip / brotli`, three(s)),
      single(B, `${peer.name}: gzip / brotli, against ${what}`, `${(s.gzip / base.gzip).toFixed(2)}x / ${(s.brotli / base.brotli).toFixed(2)}x`),
    );
    if (peer.lit) rows.push(single(B, `${peer.name}: gzip over Lit alone (ours: +${kb(ours.cdn.gzip - lit.gzip)})`, `+${kb(s.gzip - lit.gzip)}`));
  }
  // Shoelace's components read their colours and sizes from a theme style sheet the page also loads.
  const require = createRequire(import.meta.url);
  const theme = sizes(readFileSync(require.resolve('@shoelace-style/shoelace/dist/themes/light.css'), 'utf8'));
  rows.push(single(B, 'Shoelace light theme CSS (needed beside it, as published): raw / gzip / brotli', three(theme)));
  rows.push(single(B, 'Lit alone (export * from lit): raw / gzip / brotli', three(lit)));
  return rows;
}
