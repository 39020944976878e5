/**
 * The one polling helper of the tests (Node, the browser and the embedding harness): waits until
 * a condition holds, checking it every `every` ms, and fails with what it waited for after
 * `timeout` ms. For conditions that no event announces; timing arithmetic runs on a manual clock.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 5000, every = 10): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
