/**
 * The lines that open and close groups rather than show text: GitHub Actions' `::group::title`
 * and `::endgroup::`, GitLab's `section_start:TIME:name[collapsed=true]` and `section_end:TIME:name`
 * (each followed by a carriage return and an erase, so a terminal shows only the title after it).
 */

export type Marker =
  | { kind: 'group-start'; title: string }
  | { kind: 'group-end' }
  | { kind: 'section-start'; name: string; collapsed: boolean }
  | { kind: 'section-end'; name: string };

const SECTION = /^section_(start|end):(\d+):([A-Za-z0-9_.\-]+)(?:\[([^\]]*)\])?$/;

/**
 * The marker a finished line is, from its text as shown and, for GitLab, its text when the
 * carriage return came; undefined for a line of text.
 */
export function markerOf(text: string, returnText: string | undefined): Marker | undefined {
  if (returnText !== undefined) {
    const m = SECTION.exec(returnText.trim());
    if (m) {
      if (m[1] === 'end') return { kind: 'section-end', name: m[3]! };
      const options = (m[4] ?? '').split(',').map((o) => o.trim());
      return { kind: 'section-start', name: m[3]!, collapsed: options.includes('collapsed=true') };
    }
  }
  if (text.charCodeAt(0) !== 58 /* : */ && text.charCodeAt(0) !== 115 /* s */) return undefined;
  if (text.startsWith('::group::')) return { kind: 'group-start', title: text.slice(9).trim() };
  if (text.trimEnd() === '::endgroup::') return { kind: 'group-end' };
  // A section marker not followed by a carriage return: the whole line is the marker.
  const m = SECTION.exec(text.trim());
  if (m) {
    if (m[1] === 'end') return { kind: 'section-end', name: m[3]! };
    return { kind: 'section-start', name: m[3]!, collapsed: (m[4] ?? '').split(',').some((o) => o.trim() === 'collapsed=true') };
  }
  return undefined;
}
