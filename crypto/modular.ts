// Modular arithmetic on BigInt that is not an exponentiation: inverse, gcd, lcm, reduction.

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}

/** a^-1 mod m; throws if a is not invertible (the caller names what was wrong). */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('value is not invertible modulo m');
  return mod(oldS, m);
}

/** Plain square-and-multiply: the reference that the fast paths are tested against. */
export function modPowBigint(base: bigint, exponent: bigint, m: bigint): bigint {
  if (exponent < 0n) throw new RangeError('negative exponent');
  let result = 1n % m;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}
