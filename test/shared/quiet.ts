/**
 * Waits `ms` in which nothing is expected to happen, for a test that then asserts that nothing
 * more did (no duplicate arrived, no reconnect was made, nothing was rendered again). Only for
 * that: no timing arithmetic may rest on it (timeouts, backoff, heartbeats and expiry run on a
 * manual clock), and it is no way to wait for something to happen (that is `until` or the
 * event itself). Where it can, a test first waits until the expected thing happened and only then
 * stays quiet, so that the quiet period is short and its length is not what makes the test pass.
 * `why` names what must not happen, so that each quiet period says what it is for.
 */
export function quietFor(ms: number, why: string): Promise<void> {
  void why;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
