import { expect } from '@open-wc/testing';
import { formatDuration } from '../../../src/elements/shared/format.js';

describe('formatDuration', () => {
  it('formats by locale and by second, the same however often and after many other durations', () => {
    const en = formatDuration(65_000, 'en');
    const de = formatDuration(65_000, 'de');
    expect(en).to.match(/1\s*min.*5\s*s/);
    expect(de).to.not.equal(en);
    // Many other durations in between (more than are remembered) change nothing.
    for (let s = 0; s < 1200; s++) formatDuration(s * 1000, 'en');
    expect(formatDuration(65_400, 'en')).to.equal(en);
    expect(formatDuration(65_000, 'de')).to.equal(de);
    expect(formatDuration(66_000, 'en')).to.not.equal(en);
    expect(formatDuration(0, 'en')).to.match(/^0\s*sec/);
  });

  it('formats a duration too long for Intl.DurationFormat (and one that is no number) without throwing', () => {
    // 1e19 ms is over 2^53 seconds, where DurationFormat throws a RangeError.
    expect(formatDuration(1e19, 'en')).to.match(/^2,777,777,777,777\s*hr/);
    expect(formatDuration(Infinity, 'en')).to.match(/^∞\s*hr$/);
    expect(formatDuration(NaN, 'en')).to.be.a('string');
  });
});
