/**
 * Output like a terminal: real escape sequences from npm, pytest and docker, streamed in chunks
 * as a task would send them (cut anywhere, inside sequences too), shown as styled text with no
 * escape or control character reaching the DOM; carriage returns overwrite the line.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/elements/define/task-progress.js';
import { initialTaskState } from '../../../src/client/index.js';
import type { TaskProgressElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient, resetProgress } from '../../../src/elements/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { CONTROL, MARKUP, part, task } from './support.js';
import { DOCKER_PULL, NPM_ERROR, NPM_SPINNER, NPM_WARN, PYTEST } from './fixtures/terminal-captures.js';

/** The output's lines as shown. */
const lines = (el: Element) => (part(el, 'output')?.textContent ?? '').split('\n');

/** Every text node and attribute value in the element's shadow tree. */
function everything(el: Element): string[] {
  const root = el.shadowRoot!;
  const out: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.TEXT_NODE) out.push(node.nodeValue ?? '');
    else for (const attr of (node as Element).attributes) out.push(attr.value);
  }
  return out;
}

/** The output's span holding `text` (or, when none holds just that, the first that begins with it: runs of one style are one span). */
function span(el: Element, text: string): HTMLElement {
  const spans = [...part(el, 'output')!.querySelectorAll('span')];
  const found = spans.find((s) => s.textContent === text) ?? spans.find((s) => s.textContent!.startsWith(text));
  if (!found) throw new Error(`no span "${text}" in: ${part(el, 'output')!.innerHTML}`);
  return found;
}

/** Chunks of `text` cut every `size` characters, wherever that falls. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('<task-progress> output like a terminal', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await TestServer.shared();
    configureProgress({ url: server.projectUrl, lingerTime: 50, persist: false });
  });

  afterEach(() => {
    fixtureCleanup();
    resetProgress();
  });

  /** An element following a new running task, and a way to stream output to it. */
  async function terminal(outputLines = 40) {
    const projectId = uniqueId('term');
    const t = task(projectId, 't');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t" output-lines=${outputLines}></task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    await server.publish(t.started());
    await waitFor(() => el.state?.status === 'running', 'running');
    const stream = async (text: string, size = 7) => {
      await server.publish(...chunks(text, size).map((c) => t.output(c)));
    };
    return { el, stream, t };
  }

  async function settle(el: TaskProgressElement, last: string): Promise<void> {
    await waitFor(() => lines(el).some((l) => l.includes(last)), `"${last}" in the output`, 5000);
    await el.updateComplete;
  }

  it('pytest: colours and bold as styled text, "collecting ..." overwritten by "collected", no escape left', async () => {
    const { el, stream } = await terminal();
    await stream(PYTEST);
    await settle(el, '1 failed, 1 passed');
    const shown = lines(el);
    expect(shown).to.include('collected 2 items                                                              ');
    expect(shown.join('\n')).not.to.contain('collecting');
    expect(shown).to.include('test_demo.py .F                                                          [100%]');
    expect(shown).to.include('FAILED test_demo.py::test_fail - assert [1, 2] == [1, 3]');
    // The "." green, the "F" red, the failure lines bold red, pygments' bright blue keywords.
    expect(getComputedStyle(span(el, '.')).color).to.equal('rgb(20, 108, 46)');
    expect(getComputedStyle(span(el, 'F')).color).to.equal('rgb(179, 38, 30)');
    const failure = span(el, 'E       assert [1, 2] == [1, 3]');
    expect(getComputedStyle(failure).color).to.equal('rgb(179, 38, 30)');
    expect(getComputedStyle(failure).fontWeight).to.equal('700');
    expect(getComputedStyle(span(el, 'def')).color).to.equal('rgb(26, 95, 214)');
    expect(everything(el).filter((t) => CONTROL.test(t))).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('npm: the warning and error prefixes coloured; the spinner erased, as a terminal leaves it', async () => {
    const { el, stream } = await terminal();
    await stream(NPM_WARN + NPM_ERROR + NPM_SPINNER, 5);
    await settle(el, 'added 6 packages');
    const shown = lines(el);
    expect(shown[0]).to.equal('npm warn Unknown cli config "--unknown-thing". This will stop working in the next major version of npm.');
    expect(shown).to.include('npm error Missing script: "nope"');
    expect(getComputedStyle(span(el, 'warn')).color).to.equal('rgb(122, 89, 0)');
    expect(getComputedStyle(span(el, 'npm')).fontWeight).to.equal('700');
    expect([...part(el, 'output')!.querySelectorAll('span')].some((s) => s.textContent === 'error' && getComputedStyle(s).color === 'rgb(179, 38, 30)')).to.equal(true);
    // Each spinner frame went back to column 1 and erased the line: no frame is left.
    expect(shown.join('\n')).not.to.match(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(shown).to.include('added 6 packages in 959ms');
    expect(everything(el).filter((t) => CONTROL.test(t))).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('docker pull: cursor moves and line erasures removed, the layers\' last words and the summary kept', async () => {
    const { el, stream } = await terminal();
    await stream(DOCKER_PULL, 11);
    await settle(el, 'docker.io/library/node:20-alpine');
    const text = lines(el).join('\n');
    for (const expected of ['20-alpine: Pulling from library/node', 'c6a83fedfae6: Pulling fs layer', '4cd1d5a8ee0e: Pull complete', 'Status: Downloaded newer image for node:20-alpine']) {
      expect(text).to.contain(expected);
    }
    expect(text).not.to.match(/\[\d*[ABK]/);
    expect(everything(el).filter((t) => CONTROL.test(t))).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('a carriage return overwrites the line; a line that ends with one keeps its text until more comes', async () => {
    const { el, stream } = await terminal();
    await stream('Downloading  10%\rDownloading  55%\rDownloading 100%\nProgress 10%\r', 3);
    await settle(el, 'Progress 10%');
    expect(lines(el)).to.deep.equal(['Downloading 100%', 'Progress 10%']);
    await stream('Progress 20%');
    await settle(el, 'Progress 20%');
    expect(lines(el)).to.deep.equal(['Downloading 100%', 'Progress 20%']);
    expect(everything(el).filter((t) => CONTROL.test(t))).to.deep.equal([]);
  });

  it('a sequence cut by the end of a chunk shows nothing until it is whole', async () => {
    const { el, stream } = await terminal();
    await stream('abc\x1b[3', 100);
    await settle(el, 'abc');
    expect(lines(el)).to.deep.equal(['abc']);
    await stream('1mred\x1b[0m plain\n', 100);
    await settle(el, 'plain');
    expect(lines(el)).to.deep.equal(['abcred plain']);
    expect(getComputedStyle(span(el, 'red')).color).to.equal('rgb(179, 38, 30)');
  });

  it('256 colours, true colour, backgrounds, reverse, italic, underline, dim, resets; every other sequence removed', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress output-lines="20"></task-progress>`);
    el.state = {
      ...initialTaskState('p', 't'),
      status: 'running',
      output: [
        '\x1b[38;5;208morange\x1b[0m \x1b[38;2;10;20;30mrgb\x1b[39m \x1b[48;5;21mbg\x1b[49m \x1b[38:2::1:2:3mcolon\x1b[m',
        '\x1b[3mitalic\x1b[23m \x1b[4munder\x1b[24m \x1b[2mdim\x1b[22m \x1b[7mreverse\x1b[27m \x1b[9mstruck\x1b[29m \x1b[1;31mbold red\x1b[m plain',
        '\x1b[K Done in 1m 3s',
        '\x1b]0;window title\x07\x1b]8;;https://example.com\x1b\\a link\x1b]8;;\x1b\\ \x1b(Bcharset \x1b[?25lcursor \x1b[1Aup\x07\x00\b',
        `\x1b[31m${MARKUP}\x1b[0m`,
        'tab\tstop',
      ],
    };
    await el.updateComplete;
    const style = (text: string) => getComputedStyle(span(el, text));
    expect(style('orange').color).to.equal('rgb(255, 135, 0)');
    expect(style('rgb').color).to.equal('rgb(10, 20, 30)');
    expect(style('bg').backgroundColor).to.equal('rgb(0, 0, 255)');
    expect(style('colon').color).to.equal('rgb(1, 2, 3)');
    expect(style('italic').fontStyle).to.equal('italic');
    expect(style('under').textDecorationLine).to.equal('underline');
    expect(Number(style('dim').opacity)).to.be.below(1);
    expect(style('struck').textDecorationLine).to.equal('line-through');
    expect(style('bold red').fontWeight).to.equal('700');
    expect(style('bold red').color).to.equal('rgb(179, 38, 30)');
    // Reverse: the text in the background's colour on the text's colour.
    expect(style('reverse').backgroundColor).to.equal(getComputedStyle(part(el, 'output')!).color);
    const shown = lines(el);
    expect(shown[0]).to.equal('orange rgb bg colon');
    expect(shown[1]).to.equal('italic under dim reverse struck bold red plain');
    // After a reset, plain text: in no span.
    expect([...part(el, 'output')!.querySelectorAll('span')].some((s) => s.textContent!.includes('plain'))).to.equal(false);
    expect(shown[2]).to.equal(' Done in 1m 3s');
    expect(shown[3]).to.equal('a link charset cursor up');
    expect(shown[4]).to.equal(MARKUP);
    expect(part(el, 'output')!.querySelectorAll('img, b')).to.have.length(0);
    expect(shown[5]).to.equal('tab     stop');
    expect(everything(el).filter((t) => CONTROL.test(t))).to.deep.equal([]);
    // The program's own 256 and true colours may be anything: their contrast is theirs (the 16
    // colours of the theme pass, light and dark: styles.test.ts).
    await expect(el).to.be.accessible({ ignoredRules: ['color-contrast'] });
  });
});
