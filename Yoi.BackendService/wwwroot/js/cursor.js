// Stream cursors are Redis entry ids "<ms>-<seq>" (docs/protocol.md): compared as two unsigned integers.

/** Parses a cursor into [ms, seq] as BigInts; null when malformed. */
export function parseCursor(text) {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(text ?? "");
  return m ? [BigInt(m[1]), BigInt(m[2])] : null;
}

/** -1, 0 or 1 as a is before, equal to or after b. */
export function compareCursors(a, b) {
  const x = parseCursor(a), y = parseCursor(b);
  if (!x || !y) throw new Error(`malformed cursor ${a} / ${b}`);
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  return 0;
}
