/**
 * Terminal logs of simulated steps, as real tools print them: `npm install`'s progress bar
 * rewritten with `\r`, BuildKit's progress lines rewritten after a cursor-up, a coloured test
 * run, GitHub Actions groups, GitLab CI sections and a red stack trace. Each generator returns
 * the whole text of a step (ending with a newline); `cutIntoChunks` cuts it as a pipe delivers
 * it: several lines at a time, now and then a line cut in the middle and finished by the next
 * chunk. Pure: the same generator state gives the same text.
 */
import type { Random } from './random.js';

export const ESC = '\x1b';
const sgr = (codes: string, text: string): string => `${ESC}[${codes}m${text}${ESC}[0m`;
export const green = (text: string): string => sgr('32', text);
export const red = (text: string): string => sgr('31', text);
export const bold = (text: string): string => sgr('1', text);
export const dim = (text: string): string => sgr('2', text);
/** One of the 256 colours (208: orange). */
const orange = (text: string): string => sgr('38;5;208', text);
/** A true colour. */
const violet = (text: string): string => sgr('38;2;148;103;189', text);

/** What a step's log generator is given. */
export interface LogContext {
  /** The run fails in this step. */
  failing: boolean;
  /** The clock's time (s since the epoch) GitLab's section markers carry. */
  seconds: number;
}

export type LogGenerator = (random: Random, context: LogContext) => string;

const PACKAGES = ['lodash', 'react', 'react-dom', 'typescript', 'vite', 'esbuild', 'rollup', 'zod', 'ws', 'undici', 'lit', 'chalk'];

/** A progress bar of `width` cells, `fraction` of them filled. */
const bar = (fraction: number, width = 20): string => {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
};

/** `npm install`: a bar rewritten with `\r` a few times a line, then the summary. */
export const npmInstall: LogGenerator = (r) => {
  const packages = r.int(400, 1400);
  let out = '$ npm install\n';
  const frames = r.int(6, 12);
  for (let k = 1; k <= frames; k++) {
    const fraction = k / (frames + 1);
    const stage = k < frames / 2 ? 'idealTree' : 'reify';
    // Every frame starts with `\r`: it rewrites the frame before it on the same line.
    out += `\r${bar(fraction)} ${Math.round(fraction * 100)}% ${stage}:${r.pick(PACKAGES)}`;
    if (k % 4 === 0) out += ` ${dim(`${r.int(1, 40)} ms`)}`;
  }
  out += `\r${bar(1)} 100% reify: done${ESC}[K\n`;
  out += `\nadded ${packages} packages in ${r.int(4, 30)}s\n`;
  out += `\n${r.int(80, 200)} packages are looking for funding\n  run \`npm fund\` for details\n`;
  out += `npm notice New minor version of npm available! See https://github.com/npm/cli/releases\n`;
  return out;
};

/** A BuildKit build: its last few steps shown at once, rewritten after moving the cursor up. */
export const dockerBuild: LogGenerator = (r) => {
  const steps = ['FROM node:20-alpine', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm ci', 'COPY . .', 'RUN npm run build'];
  const shown = 3;
  const row = (n: number, seconds: number, done: boolean): string =>
    `#${n + 4} [${n + 1}/${steps.length}] ${steps[n]}  ${seconds.toFixed(1)}s${done ? ' DONE' : ''}${ESC}[K\n`;
  let out = '$ docker build -t registry.example.com/web:latest .\n';
  out += '#1 [internal] load build definition from Dockerfile\n#1 transferring dockerfile: 412B done\n#1 DONE 0.0s\n';
  out += `#2 [internal] load metadata for docker.io/library/node:20-alpine\n#2 DONE ${r.between(0.4, 1.8).toFixed(1)}s\n`;
  // Rows of the steps under way: every frame moves up over them and prints them again.
  const times = steps.map(() => 0);
  let first = true;
  for (let done = 0; done < steps.length; ) {
    const window = Array.from({ length: Math.min(shown, steps.length - done) }, (_, i) => done + i);
    for (const n of window) times[n]! += r.between(0.1, 1.2);
    if (!first) out += `${ESC}[${shown}A`;
    first = false;
    for (const n of window) out += row(n, times[n]!, false);
    // Blank rows keep the block the same height once fewer steps are left.
    for (let i = window.length; i < shown; i++) out += `${ESC}[K\n`;
    if (r.chance(0.6)) done++;
  }
  out += `${ESC}[${shown}A`;
  for (let n = steps.length - shown; n < steps.length; n++) out += row(n, times[n]!, true);
  out += `#10 exporting to image\n#10 writing image sha256:${r.hex(64)} done\n#10 DONE ${r.between(0.2, 2).toFixed(1)}s\n`;
  return out;
};

const TESTS = [
  'parses an empty body',
  'retries on 503',
  'refreshes an expired token',
  'rejects an unknown field',
  'streams a large upload',
  'keeps the order of events',
  'escapes HTML in names',
  'times out after 30 s',
];

/** A test run: green ticks, a red cross in a failing run, dim timings and a bold summary. */
export const testRun: LogGenerator = (r, { failing }) => {
  const file = r.pick(['test/api.test.ts', 'test/client.test.ts', 'test/store.test.ts']);
  let out = `$ vitest run\n\n ${bold(violet(' RUN '))} ${orange('v1.6.0')} /app\n\n`;
  const count = r.int(5, TESTS.length);
  const failed = failing ? r.int(0, count - 1) : -1;
  for (let i = 0; i < count; i++) {
    const took = dim(`${r.int(1, 420)}ms`);
    out += i === failed ? ` ${red('✗')} ${file} > ${TESTS[i]} ${took}\n` : ` ${green('✓')} ${file} > ${TESTS[i]} ${took}\n`;
  }
  const passed = failing ? count - 1 : count;
  out += `\n ${bold('Test Files')}  ${failing ? `${red('1 failed')} | ` : ''}${green('1 passed')} ${dim('(2)')}\n`;
  out += ` ${bold('Tests')}  ${failing ? `${red('1 failed')} | ` : ''}${green(`${passed} passed`)} ${dim(`(${count})`)}\n`;
  out += ` ${dim('Duration')}  ${r.between(0.4, 6).toFixed(2)}s\n`;
  return out;
};

/** A GitHub Actions log: steps in collapsible groups. */
export const githubGroups: LogGenerator = (r) => {
  const sha = r.hex(40);
  let out = '::group::Checkout\n';
  out += `Syncing repository: aintandem/web\nhttps://github.com/aintandem/web/commit/${sha}\n`;
  out += `HEAD is now at ${sha.slice(0, 7)} ${r.pick(['Fix the retry delay', 'Update dependencies', 'Add the export page'])}\n::endgroup::\n`;
  out += '::group::Install dependencies\n';
  out += `npm ci --no-audit\nadded ${r.int(400, 1400)} packages in ${r.int(4, 30)}s\n::endgroup::\n`;
  out += '::group::Lint\n';
  out += `eslint . --max-warnings 0\n${green('✓')} ${r.int(80, 400)} files linted\n::endgroup::\n`;
  return out;
};

/** A GitLab CI job log: steps in sections, some of them collapsed. */
export const gitlabSections: LogGenerator = (r, { seconds }) => {
  let at = seconds;
  let out = '';
  const section = (name: string, title: string, body: string, collapsed: boolean) => {
    out += `section_start:${at}:${name}${collapsed ? '[collapsed=true]' : ''}\r${ESC}[0K${bold(title)}\n${body}`;
    at += r.int(1, 12);
    out += `section_end:${at}:${name}\r${ESC}[0K\n`;
  };
  section('prepare_executor', 'Preparing the "docker" executor', `Using Docker executor with image node:20-alpine ...\n`, true);
  section('get_sources', 'Getting source from Git repository', `Fetching changes with git depth set to 20...\nChecking out ${r.hex(8)} as detached HEAD\n`, true);
  section(
    'step_script',
    'Executing "step_script" stage of the job script',
    `$ npm run deploy\nuploaded ${r.int(12, 90)} files\nEnvironment: https://review-${r.hex(6)}.example.com\n`,
    false,
  );
  return out;
};

const FRAMES = [
  ['retry', 'src/net/retry.ts'],
  ['fetchJson', 'src/net/fetch-json.ts'],
  ['loadOrders', 'src/orders/load.ts'],
  ['Runner.runStep', 'src/runner/runner.ts'],
  ['processTicksAndRejections', 'node:internal/process/task_queues'],
] as const;

/** A red error and its stack trace, as Node prints an uncaught one. */
export function stackTrace(r: Random, error: string): string {
  // An error that names its class keeps it.
  let out = `${red(/^\w*Error: /.test(error) ? error : `Error: ${error}`)}\n`;
  const depth = r.int(3, FRAMES.length);
  for (const [fn, file] of FRAMES.slice(FRAMES.length - depth)) out += `    at ${fn} (${file}:${r.int(10, 400)}:${r.int(3, 40)})\n`;
  out += `${dim(`Node.js v20.${r.int(10, 18)}.0`)}\n`;
  return out;
}

/**
 * Cuts a log into `count` chunks (fewer when it has fewer lines), in order: most cuts fall just
 * after a newline or before a `\r`, some in the middle of a line (its rest comes with the next
 * chunk).
 * Joined, the chunks give the log back.
 */
export function cutIntoChunks(r: Random, text: string, count: number): string[] {
  const ends: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) ends.push(i + 1);
  // The last line ends the last chunk.
  ends.pop();
  // A progress bar's frames come apart: a cut before a `\r` that rewrites the line.
  for (let i = text.indexOf('\r', 1); i >= 0 && i < text.length - 1; i = text.indexOf('\r', i + 1)) if (text[i - 1] !== '\n') ends.push(i);
  const cuts = new Set<number>();
  for (let k = 0; k < Math.min(count - 1, ends.length); k++) {
    let at = ends[r.int(0, ends.length - 1)]!;
    // Now and then in the middle of the line that starts there.
    if (text[at - 1] === '\n' && r.chance(0.25)) {
      const next = text.indexOf('\n', at);
      if (next - at > 2) at += r.int(1, next - at - 1);
    }
    cuts.add(at);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const at of sorted) {
    chunks.push(text.slice(from, at));
    from = at;
  }
  chunks.push(text.slice(from));
  return chunks;
}
