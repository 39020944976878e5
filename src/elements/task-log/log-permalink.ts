/**
 * Permalinks to lines of a task log: the page's URL fragment `#log-{taskId}-L120` names a line,
 * `#log-{taskId}-L120-L140` a range of lines.
 */

export interface LineSelection {
  from: number;
  to: number;
}

/** The fragment that names lines `from`–`to` of task `taskId` (with its `#`). */
export function fragmentOf(taskId: string, selection: LineSelection): string {
  const id = `#log-${encodeURIComponent(taskId)}-L${selection.from}`;
  return selection.to > selection.from ? `${id}-L${selection.to}` : id;
}

/** The lines a fragment names for task `taskId`, or undefined when it names none of them. */
export function selectionOf(hash: string, taskId: string): LineSelection | undefined {
  const prefix = `#log-${encodeURIComponent(taskId)}-L`;
  if (!hash.startsWith(prefix)) return undefined;
  const m = /^(\d{1,15})(?:-L(\d{1,15}))?$/.exec(hash.slice(prefix.length));
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (!(a >= 1) || !(b >= 1)) return undefined;
  return { from: Math.min(a, b), to: Math.max(a, b) };
}
