// Shared fixtures for the crypto, protocol and role tests. Generating safe primes costs up to a
// few seconds, so each test file builds what it needs once (in beforeAll) through these helpers;
// the caches live in this module, which vitest instantiates once per test file.
import { expect } from 'vitest';
import { generateSafePrimes, type SafePrimePair } from '../../crypto/paillier.ts';
import { dealThresholdKey, type TrusteeShare } from '../../crypto/threshold.ts';
import { generateElection, type GeneratedElection, type SetupOptions } from '../../setup/election-setup.ts';
import { runInProcessElection, type InProcessOutcome } from '../../sim/in-process-election.ts';
import { ProtocolError, type ProtocolErrorCode } from '../../protocol/errors.ts';
import { validateManifest, type Manifest } from '../../protocol/manifest.ts';

/** The small election of the acceptance list: 1 state, 1 county, 2 precincts, 1024-bit key. */
export const SMALL_SHAPE = { keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2 } as const;

let smallElectionCache: GeneratedElection | undefined;
let smallRunCache: InProcessOutcome | undefined;

/** generateElection(SMALL_SHAPE), generated once per test file. */
export function smallElection(): GeneratedElection {
  smallElectionCache ??= generateElection({ ...SMALL_SHAPE });
  return smallElectionCache;
}

/** The small election run end to end with 2 ballots per precinct, once per test file. */
export function smallRun(): InProcessOutcome {
  smallRunCache ??= runInProcessElection(smallElection(), { ballotsPerPrecinct: 2 });
  return smallRunCache;
}

export interface ElectionWithFactors {
  election: GeneratedElection;
  primes: SafePrimePair;
}

/**
 * A generated election whose Paillier key was dealt from primes the test knows (generateElection
 * erases them), for tests that need a multiple of p or a private key.
 */
export function electionWithFactors(options: Partial<SetupOptions>): ElectionWithFactors {
  const base = generateElection(options);
  const bits = base.manifest.keyBits;
  const primes = generateSafePrimes(bits);
  const { threshold, trustees } = base.manifest.threshold;
  const key = dealThresholdKey({ bits, threshold, trustees, primes });
  const manifest: Manifest = {
    ...base.manifest,
    n: key.publicKey.n,
    threshold: { threshold, trustees, v: key.params.v, verificationKeys: [...key.params.verificationKeys] },
  };
  validateManifest(manifest);
  const shares = new Map<string, TrusteeShare>();
  for (const [id] of base.shares) {
    const entry = manifest.roster.find((e) => e.id === id)!;
    shares.set(id, key.shares[entry.trusteeIndex - 1]!);
  }
  return { election: { ...base, manifest, shares }, primes };
}

/** The same election (same keys and roster) under another election id, hence another hash. */
export function otherElectionManifest(manifest: Manifest, electionId = 'another-election'): Manifest {
  expect(manifest.electionId).not.toBe(electionId);
  return { ...manifest, electionId };
}

/** Runs fn, which must throw a ProtocolError, and returns that error. */
export function protocolError(fn: () => unknown): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error('expected a ProtocolError, but nothing was thrown');
  expect(thrown).toBeInstanceOf(ProtocolError);
  return thrown as ProtocolError;
}

/** Runs fn and checks that it throws a ProtocolError with this code (and path, when given). */
export function expectProtocolError(fn: () => unknown, code: ProtocolErrorCode, path?: string | RegExp): ProtocolError {
  const err = protocolError(fn);
  expect(err.code, err.message).toBe(code);
  if (typeof path === 'string') expect(err.path).toBe(path);
  else if (path) expect(err.path).toMatch(path);
  return err;
}

/** A copy of bytes with one bit flipped. */
export function flipBit(bytes: Uint8Array, index = 0, bit = 0): Uint8Array {
  const out = new Uint8Array(bytes);
  out[index] = out[index]! ^ (1 << bit);
  return out;
}
