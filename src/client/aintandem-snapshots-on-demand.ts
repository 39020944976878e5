/**
 * The AInTandem REST snapshot loader (aintandem-snapshots.ts) with its code loaded on the first
 * snapshot asked for: what the elements and `AInTandemClient` use, so that a page pays for the REST
 * mapping only once a view joins late or a socket resyncs.
 */
import type { HttpLoaderOptions, SnapshotLoader } from './snapshots.js';

export function aintandemSnapshotLoaderOnDemand(baseURL: string, options: HttpLoaderOptions = {}): SnapshotLoader {
  let loader: Promise<SnapshotLoader> | undefined;
  return async (request, signal) => {
    loader ??= import('./aintandem-snapshots.js').then(
      ({ aintandemSnapshotLoader }) => aintandemSnapshotLoader(baseURL, options),
      (error: unknown) => {
        // The next snapshot tries again.
        loader = undefined;
        throw error;
      },
    );
    return (await loader)(request, signal);
  };
}
