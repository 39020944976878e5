// `node --import ./no-prom-client.mjs`: any import of prom-client fails, to prove a program never loads it.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
  if (specifier === 'prom-client' || specifier.startsWith('prom-client/')) throw new Error('prom-client was loaded');
  return next(specifier, context);
}`),
  import.meta.url,
);
