/** How a bad input value is shown in an error message: arrays with their items and length, else type and text. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as ArrayLike<unknown>, (v) => String(v));
    return `[${items.join(', ')}] (length ${items.length})`;
  }
  return `${typeof value} ${String(value)}`;
}
