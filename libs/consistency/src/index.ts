export {
  CHECK_RESULTS,
  CONSISTENCY_DEFAULTS,
  ConsistencyChecker,
  classify,
  type ChangeOrigin,
  type CheckReport,
  type CheckResult,
  type ConsistencyCheckerOptions,
  type EntryState,
  type EntryStateReader,
  type InvalidatedKey,
  type WindowSummary,
} from './consistency-checker.js';
export { RedisEntryStateReader, stateOf } from './redis-entry-state-reader.js';
