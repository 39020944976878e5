// The custom elements manifest (custom-elements.json) is generated from the elements' class
// JSDoc: `npx cem analyze`. test/node/manifest.test.ts fails when the committed file is out of date.
export default {
  globs: ['src/elements/**/*.ts'],
  // Internals the public API does not expose.
  exclude: [
    'src/elements/**/*.styles.ts',
    'src/elements/shared/emit.ts',
    'src/elements/shared/format.ts',
    'src/elements/shared/live-subscription.ts',
    'src/elements/shared/clock.ts',
    'src/elements/shared/announcer.ts',
    'src/elements/shared/state-input.ts',
    'src/elements/shared/terminal-output.ts',
    'src/elements/shared/templates.ts',
    'src/elements/shared/press-guard.ts',
    'src/elements/shared/follow-entity.ts',
    'src/elements/shared/run-facts.ts',
    'src/elements/define/on-demand.ts',
    // The task log's model: no element of its own.
    'src/elements/task-log/log-*.ts',
    'src/elements/task-log/line-*.ts',
    'src/elements/task-log/terminal-*.ts',
  ],
  outdir: '.',
  litelement: true,
  // package.json already points at the manifest (`customElements`); never rewrite it.
  packagejson: false,
  plugins: [
    {
      // The elements inherit their shared members from one base class: the manifest lists each
      // tag's public API only, not the protected hooks and private fields of the classes.
      name: 'public-members-only',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            if (declaration.members) declaration.members = declaration.members.filter((m) => (m.privacy ?? 'public') === 'public' && !m.name.startsWith('#'));
          }
        }
      },
    },
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
