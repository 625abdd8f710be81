// The node's own tunables, with the reason for each default (the network layer's are in
// network/options.ts).
export const NODE_DEFAULTS = {
  /** Milliseconds between catch-up ticks: republish what found no peers, pull what is missing,
   *  move the role forward. One second keeps a restarted node's catch-up quick without busy work. */
  tickMs: 1000,
} as const;
