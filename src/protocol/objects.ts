/** Small checks and copies of plain objects shared by the client's modules. */

/** A non-null object that is not an array, such as parsed JSON's `{…}`. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy without the keys whose value is undefined (so that spreading it keeps the defaults). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
