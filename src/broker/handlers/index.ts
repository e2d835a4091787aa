// Every API the broker serves, one handler per key, listed explicitly (greppable, bundler-proof).
// registry.ts builds the dispatch table from this array and fails at start on duplicates or bad
// version ranges; ApiVersions advertises exactly these (through api-versions-table.ts).
// Not registered, so not advertised: the telemetry APIs (71, 72; clients then back off), KRaft and
// inter-broker APIs, SASL until authentication lands.

import type { AnyHandler } from '../registry.ts'
import produce from './00-produce.ts'
import fetch from './01-fetch.ts'
import listOffsets from './02-list-offsets.ts'
import metadata from './03-metadata.ts'
import findCoordinator from './10-find-coordinator.ts'
import apiVersions from './18-api-versions.ts'
import createTopics from './19-create-topics.ts'
import deleteTopics from './20-delete-topics.ts'
import deleteRecords from './21-delete-records.ts'
import offsetForLeaderEpoch from './23-offset-for-leader-epoch.ts'
import describeConfigs from './32-describe-configs.ts'
import alterConfigs from './33-alter-configs.ts'
import createPartitions from './37-create-partitions.ts'
import incrementalAlterConfigs from './44-incremental-alter-configs.ts'
import describeCluster from './60-describe-cluster.ts'
import describeTopicPartitions from './75-describe-topic-partitions.ts'

export const HANDLERS: readonly AnyHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  findCoordinator,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  offsetForLeaderEpoch,
  describeConfigs,
  alterConfigs,
  createPartitions,
  incrementalAlterConfigs,
  describeCluster,
  describeTopicPartitions,
]
