/** A promise with its resolve and reject at hand, that never reports an unhandled rejection. */
export interface Deferred {
  resolve: () => void;
  reject: (error: Error) => void;
  promise: Promise<void>;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that does not await it must not get an unhandled rejection.
  promise.catch(() => {});
  return { resolve, reject, promise };
}
