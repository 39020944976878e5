/**
 * The task logs the benchmarks feed: lines of about 80 ASCII characters, numbered so that no two
 * are the same; one in 20 with SGR colours, one in 50 with a URL (as a build's output has them).
 */

/** Line `n` (from 1), without its newline. `steps`: how many step names the lines cycle through. */
export function logLine(n: number, steps = 10): string {
  const base = `2026-01-01T00:00:00Z step ${n % steps} compiling module_${n} of the project with flags -O2`;
  if (n % 20 === 0) return `\x1b[32m${base.slice(0, 40)}\x1b[0m${base.slice(40)}`;
  if (n % 50 === 1) return `${base.slice(0, 50)} https://example.com/b/${n}`;
  return base.padEnd(80, '.');
}

/** Lines `from` to `from + count - 1`, each ending in a newline. */
export function logText(from: number, count: number): string {
  let text = '';
  for (let n = from; n < from + count; n++) text += logLine(n) + '\n';
  return text;
}
