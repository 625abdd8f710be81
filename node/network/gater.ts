// The connection gater: only roster nodes may connect, in either direction, unless observers are
// configured. The check runs on the PeerId Noise has authenticated (denyInbound/Outbound
// EncryptedConnection), so a peer cannot claim someone else's id; dials to a known non-roster
// PeerId are refused before any socket is opened (denyDialPeer).
// Observers are admitted "read-only": nothing else is granted to them; their gossip goes through
// the same validators as anyone's and their score falls like anyone's if they publish junk.
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import type { ElectionContext } from '../../protocol/election.ts';

export interface GaterOptions {
  /** PeerIds (base58btc) outside the roster that may connect. */
  observers?: string[];
  /** Admit any peer (a public read-only network); roster checks then happen only in validators. */
  allowObservers?: boolean;
}

export type Admission = 'roster' | 'observer' | 'denied';

export interface RosterGater extends ConnectionGater {
  admission(peerId: string): Admission;
}

export function createRosterGater(ctx: ElectionContext, options: GaterOptions = {}): RosterGater {
  const roster = new Set(ctx.manifest.roster.map((e) => e.peerId));
  const observers = new Set(options.observers ?? []);
  const admission = (peerId: string): Admission => {
    if (roster.has(peerId)) return 'roster';
    if (options.allowObservers || observers.has(peerId)) return 'observer';
    return 'denied';
  };
  const deny = (peerId: PeerId): boolean => admission(peerId.toString()) === 'denied';
  return {
    admission,
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
  };
}
