/**
 * The one polling helper of the tests (Node, the browser and the embedding harness): waits until
 * a condition holds, checking it every `every` ms, and fails with what it waited for after
 * `timeout` ms. A check that throws counts as not yet (the last error is named in the failure); an
 * asynchronous one that never settles (a page that does not answer) counts as not yet once the
 * time is up. A synchronous check runs with no timer of the helper's pending, so that it may count
 * the process's timers. For conditions that no event announces; timing arithmetic runs on a
 * manual clock.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 5000, every = 10): Promise<void> {
  const end = Date.now() + timeout;
  let failure: unknown;
  const fail = (error: unknown): false => {
    failure = error;
    return false;
  };
  for (;;) {
    let ok: boolean;
    try {
      const answer = check();
      ok = answer instanceof Promise ? await settledBy(answer.catch(fail), Math.max(0, end - Date.now()) + 1000) : answer === true;
    } catch (error) {
      ok = fail(error);
    }
    if (ok) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${failure === undefined ? '' : ` (the check last threw: ${String(failure)})`}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** The answer, or false when it has not come within `ms`. */
async function settledBy(answer: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
