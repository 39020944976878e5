import { expect } from '@open-wc/testing';
import { loadWhenPresent } from '../../../src/elements/define/on-demand.js';

/** Resolves after the microtasks in which a MutationObserver's records are delivered. */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe('loading a tag\'s module when the document first holds it', () => {
  let region: HTMLElement;
  beforeEach(() => {
    region = document.createElement('div');
    document.body.append(region);
  });
  afterEach(() => region.remove());

  it('loads at once when the tag is already there, and once only', async () => {
    region.innerHTML = '<x-present-a></x-present-a><x-present-a></x-present-a>';
    let loads = 0;
    loadWhenPresent('x-present-a', () => loads++);
    region.append(document.createElement('x-present-a'));
    await settle();
    expect(loads).to.equal(1);
  });

  it('loads when a node holding the tag deep inside is added, then stops watching', async () => {
    let loads = 0;
    loadWhenPresent('x-later-b', () => loads++);
    region.append(document.createElement('p'));
    await settle();
    expect(loads).to.equal(0);
    const section = document.createElement('section');
    section.innerHTML = '<div><span><x-later-b></x-later-b></span></div>';
    region.append(section);
    await settle();
    expect(loads).to.equal(1);
    region.append(document.createElement('x-later-b'));
    await settle();
    expect(loads).to.equal(1);
  });

  it('does not see a tag inside a shadow root, and its stop function ends the watch', async () => {
    let loads = 0;
    const stop = loadWhenPresent('x-hidden-c', () => loads++);
    const host = document.createElement('div');
    host.attachShadow({ mode: 'open' }).innerHTML = '<x-hidden-c></x-hidden-c>';
    region.append(host);
    await settle();
    expect(loads).to.equal(0);
    stop();
    region.append(document.createElement('x-hidden-c'));
    await settle();
    expect(loads).to.equal(0);
  });
});
