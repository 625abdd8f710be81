// JSON schemas shared by the REST routes: the views of node/api/node-api.ts, described once for
// request validation, response serialisation and the OpenAPI document at /docs/json.
// Plain JSON schema objects (no type provider): handlers cast their inputs to the shapes below.
// View objects allow additional properties so that a field the facade adds later is passed on
// rather than silently dropped by the serializer.

import { ARTIFACT_TYPES } from '../../protocol/artifact.ts';
import { ROLES } from '../../protocol/manifest.ts';

export const ROLE_VALUES = ROLES;
export const ARTIFACT_TYPE_VALUES = ARTIFACT_TYPES;

export const HEX_HASH_PATTERN = '^[0-9a-f]{64}$';

export const errorSchema = {
  $id: 'ErrorResponse',
  type: 'object',
  description: 'Every error: a stable code and a message naming the problem.',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'stable error code, e.g. bad-request, not-found, unauthorized, already-voted' },
    message: { type: 'string' },
  },
} as const;

export const roleSchema = { type: 'string', enum: ROLE_VALUES } as const;
const hexHash = { type: 'string', pattern: HEX_HASH_PATTERN, description: 'SHA-256 hash, 64 lowercase hex characters' } as const;

export const healthSchema = {
  type: 'object',
  required: ['ok', 'id', 'role', 'faults'],
  properties: {
    ok: { type: 'boolean', description: 'false while the node is faulted (503)' },
    id: { type: 'string' },
    role: roleSchema,
    faults: { type: 'array', items: { type: 'string' }, description: 'why the node cannot do its work (a precinct stopped after a storage failure: restart it)' },
  },
} as const;

export const childStatusSchema = {
  type: 'object',
  required: ['id', 'role', 'reported'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    role: roleSchema,
    reported: { type: 'boolean' },
    tallyHash: { type: 'string', description: "content hash of the child's accepted tally" },
    ballotCount: { type: 'integer' },
    equivocated: { type: 'boolean', description: 'set when the child sent two different signed tallies' },
  },
} as const;

export const statusSchema = {
  type: 'object',
  required: ['id', 'role', 'parent', 'phase', 'electionId', 'electionHash', 'children', 'partials', 'threshold', 'hasResult', 'equivocations', 'peers'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    role: roleSchema,
    parent: { type: 'string' },
    phase: { type: 'string', description: "voting | closed (precincts); collecting | aggregated (aggregators); waiting | decrypted (trustees); result" },
    electionId: { type: 'string' },
    electionHash: { type: 'string' },
    ballots: { type: 'integer' },
    children: { type: 'array', items: childStatusSchema },
    partials: {
      type: 'array',
      items: {
        type: 'object',
        required: ['trusteeId', 'trusteeIndex', 'valid'],
        additionalProperties: true,
        properties: {
          trusteeId: { type: 'string' },
          trusteeIndex: { type: 'integer' },
          valid: { type: 'boolean' },
          reason: { type: 'string' },
        },
      },
    },
    threshold: {
      type: 'object',
      required: ['needed', 'valid'],
      properties: { needed: { type: 'integer' }, valid: { type: 'integer' } },
    },
    hasResult: { type: 'boolean' },
    waitingFor: { type: 'string' },
    equivocations: { type: 'integer' },
    refusedResults: { type: 'integer', description: 'results refused because they fail check 9, kept as evidence' },
    peers: { type: 'integer' },
  },
} as const;

export const peerSchema = {
  type: 'object',
  required: ['peerId', 'admission', 'addresses', 'score'],
  additionalProperties: true,
  properties: {
    peerId: { type: 'string' },
    nodeId: { type: 'string', description: 'roster id, when the peer is in the roster' },
    role: roleSchema,
    admission: { type: 'string' },
    addresses: { type: 'array', items: { type: 'string' } },
    latencyMs: { type: 'number' },
    score: { type: 'number' },
    lastSeen: { type: 'string' },
  },
} as const;

export const artifactViewSchema = {
  type: 'object',
  required: ['type', 'hash', 'sender', 'artifact'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', enum: ARTIFACT_TYPE_VALUES },
    hash: hexHash,
    sender: { type: 'string' },
    artifact: { description: "the artifact's JSON view" },
  },
} as const;

export const logEntrySchema = {
  type: 'object',
  required: ['seq', 'voter', 'ballotHash', 'prevHash', 'entryHash'],
  additionalProperties: true,
  properties: {
    seq: { type: 'integer' },
    voter: { type: 'string', description: "HMAC-SHA-256 commitment to the voter id under the precinct's private key: links to no voter without that key" },
    ballotHash: { type: 'string' },
    prevHash: { type: 'string' },
    entryHash: { type: 'string' },
  },
} as const;

export const receiptProofSchema = {
  type: 'object',
  required: ['precinctTally', 'path', 'partials'],
  properties: {
    precinctTally: { type: 'string', description: 'the counted precinct tally, canonical bytes, base64' },
    path: { type: 'array', items: { type: 'string' }, description: 'the counted tallies from its county up to the national tally' },
    result: { type: 'string' },
    partials: { type: 'array', items: { type: 'string' }, description: 'the partial decryptions the result lists' },
  },
} as const;

/** The receipt's JSON view (protocol/receipt.ts), as the precinct signed it. */
export const receiptSchema = {
  type: 'object',
  description: "a receipt signed by the precinct (JSON view of protocol/receipt.ts)",
  additionalProperties: true,
  properties: {
    version: { type: 'integer' },
    electionHash: { type: 'string' },
    precinctId: { type: 'string' },
    ballotHash: { type: 'string' },
    logPosition: { type: 'integer' },
    chainHead: { type: 'string' },
    signature: { type: 'string' },
  },
} as const;

export const receiptViewSchema = {
  type: 'object',
  required: ['receipt'],
  additionalProperties: true,
  properties: {
    receipt: receiptSchema,
    inclusion: {
      type: 'object',
      description: "RFC 9162 audit path to the precinct tally's ballotsRoot, once the tally exists",
      required: ['index', 'size', 'path', 'root'],
      properties: {
        index: { type: 'integer' },
        size: { type: 'integer' },
        path: { type: 'array', items: { type: 'string' } },
        root: { type: 'string' },
      },
    },
  },
} as const;

export const recordSchema = {
  type: 'object',
  required: ['manifest', 'artifacts', 'ballots'],
  properties: {
    manifest: { description: "the manifest's JSON view" },
    artifacts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'data'],
        properties: {
          type: { type: 'string', enum: ARTIFACT_TYPE_VALUES },
          data: { type: 'string', description: 'canonical bytes, base64' },
        },
      },
    },
    ballots: {
      type: 'object',
      description: 'published ballots by precinct id, canonical bytes in base64, log order',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

export const phaseSchema = {
  type: 'object',
  required: ['phase'],
  properties: { phase: { type: 'string' } },
} as const;

/** Where a contest is voted and counted, in the dashboard's views. */
const contestPlaceProperties = {
  districtId: { type: 'string', description: 'the manifest district whose precincts vote in the contest' },
  scopeId: { type: 'string', description: 'the roster node where the contest is counted complete (docs/protocol.md section 5)' },
} as const;

/** The ballot's JSON view (protocol/ballot.ts): structure only; the node checks the rest. */
export const ballotSchema = {
  type: 'object',
  description: "an encrypted ballot (JSON view of protocol/ballot.ts); the node validates it fully, proofs included",
  required: ['version', 'electionHash', 'precinctId', 'ballotId', 'ballotStyleId', 'contests'],
  properties: {
    version: { type: 'integer' },
    electionHash: { type: 'string' },
    precinctId: { type: 'string' },
    ballotId: { type: 'string' },
    ballotStyleId: { type: 'string', description: "one of the precinct's ballot styles; the contests are exactly that style's" },
    contests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['contestId', 'ciphertext', 'proof'],
        properties: {
          contestId: { type: 'string' },
          ciphertext: { type: 'string', description: 'hex' },
          proof: {
            type: 'object',
            required: ['challenges', 'responses'],
            properties: {
              challenges: { type: 'array', items: { type: 'string' } },
              responses: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;

export const submitBallotBodySchema = {
  type: 'object',
  required: ['voterId', 'ballot'],
  additionalProperties: false,
  properties: {
    voterId: { type: 'string', minLength: 1, maxLength: 128, description: 'the poll book id: well-formed Unicode, NFC, 1-128 characters (docs/protocol.md, "Voter ids")' },
    ballot: ballotSchema,
  },
} as const;

export const submitBallotResponseSchema = {
  type: 'object',
  required: ['receipt', 'duplicate'],
  properties: {
    receipt: receiptSchema,
    duplicate: { type: 'boolean', description: 'true when this exact ballot was already accepted for this voter' },
  },
} as const;

/** `$ref` to the shared error schema (registered with app.addSchema). */
export const errorRef = { $ref: 'ErrorResponse#' } as const;

/** Error responses a route documents, by status code. */
export function errors<C extends number>(...codes: C[]): Record<C, typeof errorRef> {
  return Object.fromEntries(codes.map((c) => [c, errorRef])) as Record<C, typeof errorRef>;
}

// ---------------------------------------------------------------------------------------------
// The dashboard's read-only views (dashboard/hierarchy-view.ts has the TypeScript shapes).

const reportStatus = { type: 'string', enum: ['waiting', 'verified', 'faulty'], description: 'waiting: no tally yet; verified: signed tally received and consistent with the tallies around it; faulty: equivocation or a contradiction' } as const;

const peerHealthSchema = {
  type: 'object',
  required: ['connected'],
  properties: {
    connected: { type: 'boolean', description: 'connected to the node serving this view' },
    latencyMs: { type: 'number' },
    lastSeen: { type: 'string', description: 'ISO time of the last connection this node saw' },
  },
} as const;

const levelSummarySchema = {
  type: 'object',
  required: ['total', 'verified', 'faulty', 'waiting', 'ballots'],
  properties: { total: { type: 'integer' }, verified: { type: 'integer' }, faulty: { type: 'integer' }, waiting: { type: 'integer' }, ballots: { type: 'integer', description: 'ballots in the verified tallies' } },
} as const;

export const nodeEntrySchema = {
  type: 'object',
  required: ['id', 'role', 'name', 'fips', 'parent', 'status', 'problems', 'health'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ROLES.filter((r) => r !== 'trustee') },
    name: { type: 'string' },
    fips: { type: 'string', description: 'state (2 digits) or county (5 digits) FIPS code; empty when none' },
    parent: { type: 'string' },
    status: reportStatus,
    problems: { type: 'array', items: { type: 'string' } },
    ballotCount: { type: 'integer' },
    tallyHash: hexHash,
    health: peerHealthSchema,
    counties: levelSummarySchema,
    precincts: levelSummarySchema,
  },
} as const;

const checkSchema = {
  type: 'object',
  required: ['number', 'name', 'title', 'status', 'details'],
  properties: {
    number: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
    name: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'string', enum: ['pass', 'fail', 'skip'] },
    details: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const hierarchySchema = {
  type: 'object',
  description: 'The count as this node sees it: every state and county with its reporting status, the trustees, the result and its verification',
  required: ['generatedAt', 'node', 'election', 'hasMap', 'national', 'states', 'counties', 'trustees', 'evidence', 'verification'],
  additionalProperties: true,
  properties: {
    generatedAt: { type: 'string' },
    node: { type: 'object', required: ['id', 'role', 'phase'], properties: { id: { type: 'string' }, role: { type: 'string' }, phase: { type: 'string' }, waitingFor: { type: 'string' } } },
    election: {
      type: 'object',
      required: ['id', 'title', 'hash', 'contests'],
      properties: {
        id: { type: 'string' },
        title: { type: 'string' },
        hash: { type: 'string' },
        contests: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'title', 'options', 'districtId', 'scopeId'],
            properties: {
              id: { type: 'string' },
              title: { type: 'string' },
              options: { type: 'array', items: { type: 'string' } },
              ...contestPlaceProperties,
            },
          },
        },
      },
    },
    hasMap: { type: 'boolean', description: 'some state or county carries a FIPS code' },
    national: nodeEntrySchema,
    states: { type: 'array', items: nodeEntrySchema },
    counties: { type: 'array', items: nodeEntrySchema },
    trustees: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'index', 'health', 'partial'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          index: { type: 'integer' },
          health: peerHealthSchema,
          partial: { type: 'string', enum: ['missing', 'received', 'valid', 'invalid'], description: 'received: not checked by this node (only combiners check proofs)' },
          partialHash: { type: 'string' },
          reason: { type: 'string' },
        },
      },
    },
    evidence: { type: 'array', items: { type: 'object', required: ['sender', 'slot', 'at'], properties: { sender: { type: 'string' }, slot: { type: 'string' }, at: { type: 'string' } } } },
    result: {
      type: 'object',
      required: ['hash', 'combinerId', 'ballotCount', 'matchesNationalTally', 'contests'],
      properties: {
        hash: { type: 'string' },
        combinerId: { type: 'string' },
        ballotCount: { type: 'integer' },
        matchesNationalTally: { type: 'boolean' },
        contests: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'title', 'scopeId', 'districtId', 'options'],
            properties: {
              id: { type: 'string' },
              title: { type: 'string' },
              ...contestPlaceProperties,
              options: { type: 'array', items: { type: 'object', required: ['name', 'count'], properties: { name: { type: 'string' }, count: { type: 'integer' } } } },
            },
          },
        },
      },
    },
    verification: {
      type: 'object',
      required: ['state', 'ok', 'checks', 'ballots', 'threshold'],
      properties: {
        state: { type: 'string', enum: ['waiting', 'running', 'done', 'error'] },
        ok: { type: 'boolean', description: 'every check that ran passed' },
        verdict: { type: 'string', enum: ['pass', 'partial', 'fail'], description: 'partial: this node holds no ballots of some precincts (tallymesh verify checks them on the full record)' },
        checks: { type: 'array', items: checkSchema },
        ballots: { type: 'integer', description: 'ballots in the record this node checked' },
        message: { type: 'string' },
        threshold: { type: 'object', required: ['needed', 'valid'], properties: { needed: { type: 'integer' }, valid: { type: 'integer' } } },
      },
    },
  },
} as const;

export const nodeDetailSchema = {
  type: 'object',
  required: ['node', 'children'],
  properties: { node: nodeEntrySchema, children: { type: 'array', items: nodeEntrySchema } },
} as const;
