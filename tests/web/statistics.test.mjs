// The one median (web/src/statistics.js) that the extension's reports, the benches and the tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median } from '../../web/src/statistics.js';

test('the median is the middle value, or the mean of the two middle values, and null for none', () => {
  assert.equal(median([]), null);
  assert.equal(median([4]), 4);
  assert.equal(median([3, -1, 2]), 2);
  assert.equal(median([10, 1, 4, 2]), 3);
  assert.equal(median([0.5, 0.25]), 0.375);
  const values = [5, 1, 3];
  median(values);
  assert.deepEqual(values, [5, 1, 3], 'the input is not reordered');
});
