// The custom elements manifest (custom-elements.json) is generated from the elements' class
// JSDoc: `npx cem analyze`. test/node/manifest.test.ts fails when the committed file is out of date.
export default {
  globs: ['src/elements/**/*.ts'],
  // Internals the public API does not expose.
  exclude: [
    'src/elements/**/*.styles.ts',
    'src/elements/shared/emit.ts',
    'src/elements/shared/format.ts',
    'src/elements/shared/frame-scheduler.ts',
    'src/elements/shared/progress-controller.ts',
    'src/elements/shared/templates.ts',
  ],
  outdir: '.',
  litelement: true,
  // package.json already points at the manifest (`customElements`); never rewrite it.
  packagejson: false,
  plugins: [
    {
      // The analyzer lists modules in the order the file system returns them, which differs between
      // machines: sort them by path so that the file is the same wherever it is generated.
      name: 'sort-modules',
      packageLinkPhase({ customElementsManifest }) {
        customElementsManifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      },
    },
  ],
};
