/**
 * The one median of the project (the page, the extension, the benches and the tests): the middle
 * value, or the mean of the two middle values of an even count; null for no values.
 */
export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
