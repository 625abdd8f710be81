// The liveness probe: it pings connected roster peers only, records when each answered, keeps the
// last answer when a ping fails, and never touches a connection.
import { afterEach, describe, expect, it } from 'vitest';
import type { Libp2p } from '@libp2p/interface';
import type { PingService } from '@libp2p/ping';
import { PeerLiveness } from '../../../node/network/peer-liveness.ts';
import { resolveNetworkOptions } from '../../../node/network/options.ts';

const peer = (id: string) => ({ remotePeer: { toString: () => id }, close: () => Promise.reject(new Error('liveness must not close connections')) });

let liveness: PeerLiveness | undefined;
afterEach(() => liveness?.stop());

describe('PeerLiveness', () => {
  it('records the answers of connected roster peers, not of observers, and keeps the last answer through a failed ping', async () => {
    let answering = true;
    const pinged: string[] = [];
    const libp2p = { getConnections: () => [peer('roster-a'), peer('roster-b'), peer('observer')] } as unknown as Libp2p;
    const ping = {
      ping: async (p: { toString(): string }) => {
        pinged.push(p.toString());
        if (p.toString() === 'roster-b' || !answering) throw new Error('no answer');
        return 1;
      },
    } as unknown as PingService;
    const options = resolveNetworkOptions({ connection: { livenessIntervalMs: 20, livenessTimeoutMs: 10 } });
    liveness = new PeerLiveness({ libp2p, ping, isRosterPeer: (id) => id.startsWith('roster-'), options });
    liveness.start();
    await new Promise((r) => setTimeout(r, 120));
    const first = liveness.answeredAt('roster-a');
    expect(first).toBeDefined();
    expect(liveness.answeredAt('roster-b')).toBeUndefined();
    expect(liveness.answeredAt('observer')).toBeUndefined();
    expect(pinged).not.toContain('observer');
    expect(pinged).toContain('roster-b');
    answering = false;
    await new Promise((r) => setTimeout(r, 120));
    const later = liveness.answeredAt('roster-a');
    // No answer since: the last one stands, unchanged.
    await new Promise((r) => setTimeout(r, 60));
    expect(liveness.answeredAt('roster-a')).toBe(later);
  });
});
