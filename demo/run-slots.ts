/**
 * Which run each element of a group shows. The first element is the featured one: it shows the
 * run a button started (or, while it has none, the first run seen). The others take runs of the
 * background mix: an empty element first, else the one whose run ended longest ago, once it has
 * shown its end for a while.
 */

/** How long an ended run stays in view before a new run may take its element. */
const LINGER_MS = 4000;

/** What the slots read of an element's state: whether its run has ended, and when it last changed. */
type RunElement = HTMLElement & { state: { status?: string; updatedAt?: string } | undefined };

export interface RunSlots {
  /** Shows a run a visitor started in the featured element. */
  feature(id: string): void;
  /** Offers a background run; it shows up when an element is free. */
  offer(id: string): void;
}

export function runSlots<E extends RunElement>(
  elements: E[],
  /** Points an element at a run. */
  show: (element: E, id: string) => void,
  /** The id of the run an element shows, if any. */
  shown: (element: E) => string | undefined,
  /** Whether an element's run has ended. */
  ended: (status: string) => boolean,
): RunSlots {
  const [featured, ...others] = elements;
  if (!featured) throw new Error('runSlots needs at least one element');

  const endedAt = (element: E): number | undefined => {
    const state = element.state;
    return state?.status !== undefined && ended(state.status) ? Date.parse(state.updatedAt ?? '') || 0 : undefined;
  };

  return {
    feature(id) {
      show(featured, id);
    },
    offer(id) {
      if (elements.some((element) => shown(element) === id)) return;
      if (shown(featured) === undefined) {
        show(featured, id);
        return;
      }
      const empty = others.find((element) => shown(element) === undefined);
      if (empty) {
        show(empty, id);
        return;
      }
      const now = Date.now();
      const oldest = others
        .map((element) => ({ element, at: endedAt(element) }))
        .filter((c): c is { element: E; at: number } => c.at !== undefined && now - c.at >= LINGER_MS)
        .sort((a, b) => a.at - b.at)[0];
      if (oldest) show(oldest.element, id);
    },
  };
}
