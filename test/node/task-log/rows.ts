/** The rows of a log model as short strings, for assertions. */
import type { LogModel } from '../../../src/elements/task-log/log-model.js';

export function rows(model: LogModel): string[] {
  const out: string[] = [];
  for (let i = 0; i < model.rowCount; i++) {
    const r = model.row(i)!;
    const indent = '  '.repeat(Math.max(0, r.depth));
    if (r.kind === 'line') out.push(`${indent}${r.line.lineNo}: ${r.line.text}`);
    else if (r.kind === 'group') out.push(`${indent}[${r.open ? '-' : '+'}] ${r.title}`);
    else out.push(`${indent}(${r.reason}${Number.isNaN(r.from) ? '' : ` ${r.from}-${r.to}`})`);
  }
  return out;
}

/** The texts of the lines a model holds, in line order. */
export function texts(model: LogModel): string[] {
  return model.textOfRange(1, Number.MAX_SAFE_INTEGER).split('\n');
}

/** A model that read `chunks` (strings, as live output of no step). */
export async function read(model: LogModel, ...chunks: string[]): Promise<LogModel> {
  for (const text of chunks) model.append({ text });
  return model;
}
