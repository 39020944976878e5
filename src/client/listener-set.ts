/**
 * A set of listeners called in order, where one listener that throws does not stop the others.
 */
export type ListenerErrorHandler = (error: unknown) => void;

export class ListenerSet<T, U = void> {
  readonly #listeners = new Set<(value: T, extra: U) => void>();
  readonly #onError: ListenerErrorHandler;

  constructor(onError: ListenerErrorHandler) {
    this.#onError = onError;
  }

  get size(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (value: T, extra: U) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  delete(listener: (value: T, extra: U) => void): boolean {
    return this.#listeners.delete(listener);
  }

  clear(): void {
    this.#listeners.clear();
  }

  emit(value: T, extra?: U): void {
    for (const listener of this.#listeners) {
      try {
        listener(value, extra as U);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
