// `node --import ./no-ioredis.mjs`: any import of ioredis fails, to prove a program never loads it.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
  if (specifier === 'ioredis' || specifier.startsWith('ioredis/')) throw new Error('ioredis was loaded');
  return next(specifier, context);
}`),
  import.meta.url,
);
