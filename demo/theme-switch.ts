/**
 * The theme switch: sets `data-theme` on the page, and shows the CSS rules of the chosen theme
 * (read from the loaded themes.css, so what is shown is what applies).
 */

function themeRules(theme: string): string {
  const sheet = [...document.styleSheets].find((s) => s.href?.endsWith('/themes.css'));
  if (!sheet) return '';
  const marker = `[data-theme="${theme}"]`;
  return [...sheet.cssRules]
    .filter((rule) => rule instanceof CSSStyleRule && rule.selectorText.includes(marker))
    .map((rule) => rule.cssText.replace(/; /g, ';\n  ').replace(/\{ /, '{\n  ').replace(/\s*\}$/, '\n}'))
    .join('\n\n');
}

export function themeSwitch(): void {
  const source = document.getElementById('theme-css');
  const apply = (theme: string) => {
    document.documentElement.dataset.theme = theme;
    if (source) {
      source.textContent =
        themeRules(theme) || "/* No rules: the elements' own styles (light, or dark when the system prefers it). */";
    }
  };
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="theme"]')) {
    input.addEventListener('change', () => apply(input.value));
    if (input.checked) apply(input.value);
  }
}
