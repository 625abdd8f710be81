// Huntington–Hill apportionment (the method of equal proportions, U.S. law since 1941): every
// state starts with one seat; each further seat goes to the state with the highest priority
// value P / sqrt(s (s + 1)), s its current seats. Ties (which real populations never produce)
// go to the earlier state in the given order.

/** Seats per state, in the order of `populations`, summing to `seats`. */
export function huntingtonHill(populations: readonly number[], seats: number): number[] {
  if (!Number.isSafeInteger(seats) || seats < populations.length) throw new RangeError(`${seats} seats cannot give ${populations.length} states one each`);
  if (populations.some((p) => !(p > 0))) throw new RangeError('every population must be positive');
  const out = populations.map(() => 1);
  const priority = (i: number): number => populations[i]! / Math.sqrt(out[i]! * (out[i]! + 1));
  for (let given = populations.length; given < seats; given++) {
    let best = 0;
    for (let i = 1; i < populations.length; i++) if (priority(i) > priority(best)) best = i;
    out[best]!++;
  }
  return out;
}
