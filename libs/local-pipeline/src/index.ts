export { CleanupStack } from './cleanup-stack.js';
export { AbortedError, pause, waitFor, type WaitForOptions } from './condition-poller.js';
export {
  createIsolatedCatalog,
  DEMO_TABLES,
  uniqueName,
  type DemoTable,
  type IsolatedCatalog,
  type IsolatedCatalogOptions,
} from './demo-catalog-fixture.js';
export {
  bucketDelta,
  bucketQuantile,
  bucketUpperBound,
  histogramDelta,
  type Buckets,
  type LagDistribution,
} from './histogram-percentiles.js';
export {
  InvalidatorProcess,
  type Exit,
  type InvalidatorProcessOptions,
} from './invalidator-process.js';
export {
  connectorExists,
  deleteConnector,
  dropConnector,
  isolatedConnector,
  loadConnectorConfig,
  registerConnector,
  type ConnectorBody,
  type RegisterConnectorOptions,
} from './kafka-connect-client.js';
export {
  caughtUp,
  committedOffsets,
  createTopicsWithLeaders,
  endOffsets,
  waitForCaughtUp,
  type CaughtUpOptions,
  type CreateTopicsOptions,
} from './kafka-topics-admin.js';
export { parseLogLine, type LogLine } from './log-line-parser.js';
export { killAllInvalidators, trackChild } from './process-registry.js';
export { PrometheusScrape, type Sample } from './prometheus-scrape.js';
export { repoPath, repoRoot } from './repo-paths.js';
export { isolatedRules, rewriteRules } from './rules-generator.js';
export { endpoints, parsePort, stackEndpoints, type StackEndpoints } from './stack-endpoints.js';
export { freePort, portOpen } from './tcp-port-probe.js';
