import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { median, quarter, seriesFigures } from './memory-figures.js';

const mebibyte = 2 ** 20;

function bytes(mebibytes: number[]): number[] {
  return mebibytes.map((value) => value * mebibyte);
}

describe('memory figures', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('splits samples into four quarters by position', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.deepEqual(
      [0, 1, 2, 3].map((index) => quarter(values, index as 0 | 1 | 2 | 3)),
      [
        [1, 2],
        [3, 4, 5],
        [6, 7],
        [8, 9, 10],
      ],
    );
  });

  it('sees no growth in a heap that saws up and down around the same level', () => {
    const sawtooth = Array.from({ length: 40 }, (_, index) => 40 + (index % 5) * 6);
    const figures = seriesFigures(30 * mebibyte, bytes(sawtooth));
    assert.equal(figures.growth, 0);
    assert.equal(figures.peak, 64 * mebibyte);
  });

  it('measures the growth of a heap that keeps climbing, whatever single spikes do', () => {
    const climbing = Array.from({ length: 40 }, (_, index) => 40 + index + (index === 12 ? 80 : 0));
    const figures = seriesFigures(30 * mebibyte, bytes(climbing));
    assert.equal(figures.secondQuarterMedian, 55.5 * mebibyte);
    assert.equal(figures.lastQuarterMedian, 74.5 * mebibyte);
    assert.equal(figures.growth, 19 * mebibyte);
    assert.equal(figures.end, 79 * mebibyte);
    assert.equal(figures.peak, 132 * mebibyte);
  });
});
