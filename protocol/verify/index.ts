// The verifier's public face: one import for the CLI, the node's record check, the simulations
// and the tests.
export { CHECKS, RECEIPT_CHECKS, type CheckResult, type CheckStatus } from './checks.ts';
export { checkResult } from './check-09-result.ts';
export { formatCheck, formatSummary } from './format.ts';
export { memorySource, recordFile, type Read, type RecordSource, type Stray } from './record-source.ts';
export type { ReceiptInput } from './receipt-checks.ts';
export { verifyCounty, type CountyReport, type CountyUnit } from './verify-county.ts';
export { planUnits, runUnitsHere, verifyRecord, type UnitRun, type Verdict, type Verification, type VerifyOptions } from './verify-record.ts';
