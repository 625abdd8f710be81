// The county, state and national role as a pure state machine: children's signed tallies in
// (validated: signer, signature, election, that it is this node's child), signed aggregate out
// once every child has reported. A second, different tally from the same child is equivocation:
// the first stays counted, the second is kept as evidence and reported, never counted.
import { equalBytes, toHex } from '../crypto/bytes.ts';
import type { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { validateTallies, validateTally } from '../protocol/hierarchy.ts';
import { PROTOCOL_VERSION } from '../protocol/manifest.ts';
import { AggregateTally, childTallyOf, multiplyGroups, type AggregateLevel, type AnyTally, type ChildTally } from '../protocol/tally.ts';

export interface Equivocation {
  childId: string;
  first: Uint8Array;
  second: Uint8Array;
}

export type ReceiveOutcome =
  | { status: 'accepted'; child: ChildTally }
  | { status: 'duplicate'; child: ChildTally }
  | { status: 'equivocation'; evidence: Equivocation };

export class AggregatorRole {
  readonly level: AggregateLevel;
  private readonly childIds: string[];
  private readonly received = new Map<string, ChildTally>();
  private readonly evidence: Equivocation[] = [];
  private result: AggregateTally | undefined;

  constructor(
    private readonly ctx: ElectionContext,
    readonly nodeId: string,
    private readonly secretKey: Uint8Array,
  ) {
    const entry = ctx.index.node(nodeId);
    if (entry.role !== 'county' && entry.role !== 'state' && entry.role !== 'national') {
      throw new ProtocolError('inconsistent', 'nodeId', `"${nodeId}" is a ${entry.role}, not an aggregator`);
    }
    this.level = entry.role;
    this.childIds = ctx.index.childrenOf(nodeId).map((c) => c.id);
  }

  /** Validates a child's tally and records it; throws ProtocolError if it is not acceptable. */
  receive(t: AnyTally): ReceiveOutcome {
    const child = this.childOf(t);
    validateTally(this.ctx, t);
    return this.record(child);
  }

  /**
   * receive() for many tallies at once, in order: each is accepted, found a duplicate or an
   * equivocation, or rejected with the error receive() would throw; their words' group
   * membership is tested in one batch (protocol/hierarchy.ts validateTallies).
   */
  receiveMany(tallies: readonly AnyTally[]): (ReceiveOutcome | { status: 'rejected'; error: ProtocolError })[] {
    const children = tallies.map((t) => {
      try {
        return this.childOf(t);
      } catch (err) {
        if (err instanceof ProtocolError) return err;
        throw err;
      }
    });
    const candidates = tallies.filter((_, i) => !(children[i] instanceof ProtocolError));
    const validations = validateTallies(this.ctx, candidates);
    let k = 0;
    return children.map((child) => {
      if (child instanceof ProtocolError) return { status: 'rejected', error: child };
      const { error } = validations[k++]!;
      return error ? { status: 'rejected', error } : this.record(child);
    });
  }

  /** The tally as this node's child; throws unless it comes from one. */
  private childOf(t: AnyTally): ChildTally {
    const child = childTallyOf(t);
    const entry = this.ctx.index.byId.get(child.id);
    if (!entry || entry.parent !== this.nodeId) {
      throw new ProtocolError('unknown-signer', 'tally', `"${child.id}" is not a child of "${this.nodeId}"`);
    }
    return child;
  }

  private record(child: ChildTally): ReceiveOutcome {
    const first = this.received.get(child.id);
    if (!first) {
      this.received.set(child.id, child);
      return { status: 'accepted', child };
    }
    if (equalBytes(first.hash, child.hash)) return { status: 'duplicate', child: first };
    const known = this.evidence.find((e) => e.childId === child.id && equalBytes(e.second, child.hash));
    const evidence = known ?? { childId: child.id, first: first.hash, second: child.hash };
    if (!known) this.evidence.push(evidence);
    return { status: 'equivocation', evidence };
  }

  get missing(): string[] {
    return this.childIds.filter((id) => !this.received.has(id));
  }

  get reported(): string[] {
    return this.childIds.filter((id) => this.received.has(id));
  }

  get complete(): boolean {
    return this.missing.length === 0;
  }

  get equivocations(): readonly Equivocation[] {
    return this.evidence;
  }

  /** The accepted tally hash of a child, if any. */
  acceptedHash(childId: string): string | undefined {
    const c = this.received.get(childId);
    return c ? toHex(c.hash) : undefined;
  }

  /** The signed aggregate, once every child has reported (idempotent). */
  aggregate(): AggregateTally {
    if (this.result) return this.result;
    if (!this.complete) throw new ProtocolError('inconsistent', 'aggregate', `waiting for ${this.missing.length} children: ${this.missing.slice(0, 5).join(', ')}`);
    const children = this.childIds.map((id) => this.received.get(id)!);
    this.result = AggregateTally.sign(
      {
        version: PROTOCOL_VERSION,
        electionHash: this.ctx.hash,
        nodeId: this.nodeId,
        level: this.level,
        groups: multiplyGroups(this.ctx, this.nodeId, children),
        ballotCount: children.reduce((acc, c) => acc + c.ballotCount, 0),
        children: children.map((c) => ({ id: c.id, tallyHash: c.hash })),
      },
      this.secretKey,
    );
    return this.result;
  }
}
