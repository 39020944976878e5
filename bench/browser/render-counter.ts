/**
 * Counts the renders of elements and how many of them fell into the same animation frame for the
 * same element. All work of one animation frame sees the same `document.timeline.currentTime`,
 * so two renders of one element with the same value happened in one frame.
 */

interface RenderClass {
  prototype: { render(): unknown };
}

export interface RenderStats {
  renders: number;
  /** Elements rendered at least once since reset(). */
  elements: number;
  /** Renders of an element in a frame in which that element had already rendered. */
  extraRenders: number;
  /** The most renders of one element within one frame. */
  maxPerElementPerFrame: number;
  /** Animation frames seen by a requestAnimationFrame loop between startFrames() and read(). */
  frames: number;
}

export interface RenderCounter {
  reset(): void;
  read(): RenderStats;
  /** Starts counting animation frames (until read()). */
  startFrames(): void;
}

export function countRenders(classes: readonly RenderClass[]): RenderCounter {
  let last = new WeakMap<object, { frame: number; count: number }>();
  let renders = 0;
  let elements = 0;
  let extra = 0;
  let max = 0;
  let frames = 0;
  let frameLoop: number | undefined;

  for (const cls of classes) {
    const proto = cls.prototype;
    const original = proto.render;
    proto.render = function (this: object) {
      const frame = Number(document.timeline.currentTime);
      renders++;
      const seen = last.get(this);
      if (!seen) {
        elements++;
        last.set(this, { frame, count: 1 });
        max = Math.max(max, 1);
      } else if (seen.frame === frame) {
        seen.count++;
        extra++;
        max = Math.max(max, seen.count);
      } else {
        seen.frame = frame;
        seen.count = 1;
        max = Math.max(max, 1);
      }
      return original.call(this);
    };
  }

  const stopFrames = () => {
    if (frameLoop !== undefined) cancelAnimationFrame(frameLoop);
    frameLoop = undefined;
  };

  return {
    reset() {
      last = new WeakMap();
      renders = elements = extra = max = frames = 0;
      stopFrames();
    },
    startFrames() {
      stopFrames();
      const tick = () => {
        frames++;
        frameLoop = requestAnimationFrame(tick);
      };
      frameLoop = requestAnimationFrame(tick);
    },
    read() {
      stopFrames();
      return { renders, elements, extraRenders: extra, maxPerElementPerFrame: max, frames };
    },
  };
}

export const nextFrame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));
