/** Dispatches the elements' events: bubbling and composed by default, with a typed detail. */

/** The detail type of a CustomEvent declared in HTMLElementEventMap. */
export type EventDetail<K extends keyof HTMLElementEventMap> = HTMLElementEventMap[K] extends CustomEvent<infer D> ? D : never;

export function emit<K extends keyof HTMLElementEventMap>(
  target: EventTarget,
  name: K,
  detail: EventDetail<K>,
  options: Omit<CustomEventInit, 'detail'> = {},
): boolean {
  return target.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, cancelable: false, ...options, detail }));
}
