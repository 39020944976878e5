/**
 * The one polling helper of the tests (Node, the browser and the embedding harness): waits until
 * a condition holds, checking it every `every` ms, and fails with what it waited for after
 * `timeout` ms. A check that throws counts as not yet (the last error is named in the failure); one
 * that never settles (a page that does not answer) counts as not yet once the time is up. For conditions that no event announces;
 * timing arithmetic runs on a manual clock.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 5000, every = 10): Promise<void> {
  const end = Date.now() + timeout;
  let failure: unknown;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, end - Date.now()) + 1000)));
    const ok = await Promise.race([
      Promise.resolve()
        .then(check)
        .catch((error: unknown) => {
          failure = error;
          return false;
        }),
      late,
    ]);
    clearTimeout(timer);
    if (ok) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${failure === undefined ? '' : ` (the check last threw: ${String(failure)})`}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
