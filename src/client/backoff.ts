/** The largest delay for a reconnect attempt (0-based): base * 2^attempt, capped. */
export function backoffCeiling(attempt: number, base: number, cap: number): number {
  return Math.min(cap, base * 2 ** Math.min(attempt, 30));
}

/**
 * The delay before a reconnect attempt (0-based): exponential growth with full jitter,
 * uniform in [0, backoffCeiling), so that many clients cut off together do not return together.
 */
export function backoffDelay(attempt: number, base: number, cap: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, base, cap));
}
