/**
 * One intent, one request: tells the action bar which clicks on its buttons are the tail of a
 * double click rather than a press of their own. A click the platform counts as the second (or
 * later) of a series is one; so is a pointer click that lands on a button within the double-click
 * time of that button turning into another (Pause into Resume, Cancel into Confirm cancel, Cancel
 * into Pause as a run starts), since it was aimed at what the button said before. Keyboard and
 * scripted clicks (a `detail` of 0) are counted by neither rule: a held key's repeats are the
 * bar's to drop, at their keydown.
 */

/** The double-click time assumed: about the longest the platforms use by default. */
export const DOUBLE_CLICK_MS = 500;

interface Shown {
  /** What a click on the button would do, as last rendered. */
  meaning: string;
  /** When it started to mean that (`performance.now()`); -Infinity for a button that just appeared. */
  since: number;
}

export class PressGuard {
  /** The buttons by position, as last rendered. */
  #shown: Shown[] = [];

  /** Takes the meaning of each button, in order, as they are rendered now. */
  shown(meanings: readonly string[]): void {
    const now = performance.now();
    this.#shown = meanings.map((meaning, i) => {
      const before = this.#shown[i];
      if (before?.meaning === meaning) return before;
      // A button that appears where there was none was not aimed at as something else.
      return { meaning, since: before ? now : -Infinity };
    });
  }

  /** Whether a click on the button at `index` belongs to a double click, and so does nothing. */
  isSecondClick(index: number, event: MouseEvent): boolean {
    if (event.detail > 1) return true;
    if (event.detail === 0) return false;
    const since = this.#shown[index]?.since ?? -Infinity;
    return performance.now() - since < DOUBLE_CLICK_MS;
  }
}
