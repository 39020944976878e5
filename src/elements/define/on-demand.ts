/**
 * Loads a tag's module the first time the document holds that tag, for the CDN module, which
 * should not make every page download an element the page does not use. Until the module
 * arrives the tag is an undefined custom element; defining it then upgrades every instance, as
 * for a page that loads the module itself later.
 *
 * Only the document's own tree is watched: a tag inside another element's shadow root is not seen
 * there, and the page loads the module itself (the CDN module exports its loader).
 */

/**
 * Calls `load` once: at once when the document already holds `tag`, else when a node holding it
 * is added. The watch ends once `load` was called. Returns a function that ends it earlier.
 */
export function loadWhenPresent(tag: string, load: () => unknown, doc: Document | undefined = globalThis.document): () => void {
  if (doc === undefined || typeof MutationObserver === 'undefined') return () => {};
  if (doc.getElementsByTagName(tag).length > 0) {
    load();
    return () => {};
  }
  const holds = (node: Node): boolean =>
    node.nodeType === 1 && ((node as Element).localName === tag || ((node as Element).firstElementChild !== null && (node as Element).getElementsByTagName(tag).length > 0));
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!holds(node)) continue;
        observer.disconnect();
        load();
        return;
      }
    }
  });
  observer.observe(doc, { childList: true, subtree: true });
  return () => observer.disconnect();
}
