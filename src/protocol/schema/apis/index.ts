// Every API we declare, in API-key order. The generator and the ApiVersions table read this list.

import { Produce } from './00-produce.ts'
import { Fetch } from './01-fetch.ts'
import { ListOffsets } from './02-list-offsets.ts'
import { Metadata } from './03-metadata.ts'
import { OffsetCommit } from './08-offset-commit.ts'
import { OffsetFetch } from './09-offset-fetch.ts'
import { FindCoordinator } from './10-find-coordinator.ts'
import { JoinGroup } from './11-join-group.ts'
import { Heartbeat } from './12-heartbeat.ts'
import { LeaveGroup } from './13-leave-group.ts'
import { SyncGroup } from './14-sync-group.ts'
import { DescribeGroups } from './15-describe-groups.ts'
import { ListGroups } from './16-list-groups.ts'
import { SaslHandshake } from './17-sasl-handshake.ts'
import { ApiVersions } from './18-api-versions.ts'
import { CreateTopics } from './19-create-topics.ts'
import { DeleteTopics } from './20-delete-topics.ts'
import { DeleteRecords } from './21-delete-records.ts'
import { InitProducerId } from './22-init-producer-id.ts'
import { OffsetForLeaderEpoch } from './23-offset-for-leader-epoch.ts'
import { AddPartitionsToTxn } from './24-add-partitions-to-txn.ts'
import { AddOffsetsToTxn } from './25-add-offsets-to-txn.ts'
import { EndTxn } from './26-end-txn.ts'
import { WriteTxnMarkers } from './27-write-txn-markers.ts'
import { TxnOffsetCommit } from './28-txn-offset-commit.ts'
import { DescribeAcls } from './29-describe-acls.ts'
import { CreateAcls } from './30-create-acls.ts'
import { DeleteAcls } from './31-delete-acls.ts'
import { DescribeConfigs } from './32-describe-configs.ts'
import { AlterConfigs } from './33-alter-configs.ts'
import { AlterReplicaLogDirs } from './34-alter-replica-log-dirs.ts'
import { DescribeLogDirs } from './35-describe-log-dirs.ts'
import { SaslAuthenticate } from './36-sasl-authenticate.ts'
import { CreatePartitions } from './37-create-partitions.ts'
import { CreateDelegationToken } from './38-create-delegation-token.ts'
import { RenewDelegationToken } from './39-renew-delegation-token.ts'
import { ExpireDelegationToken } from './40-expire-delegation-token.ts'
import { DescribeDelegationToken } from './41-describe-delegation-token.ts'
import { DeleteGroups } from './42-delete-groups.ts'
import { ElectLeaders } from './43-elect-leaders.ts'
import { IncrementalAlterConfigs } from './44-incremental-alter-configs.ts'
import { AlterPartitionReassignments } from './45-alter-partition-reassignments.ts'
import { ListPartitionReassignments } from './46-list-partition-reassignments.ts'
import { OffsetDelete } from './47-offset-delete.ts'
import { DescribeClientQuotas } from './48-describe-client-quotas.ts'
import { AlterClientQuotas } from './49-alter-client-quotas.ts'
import { DescribeUserScramCredentials } from './50-describe-user-scram-credentials.ts'
import { AlterUserScramCredentials } from './51-alter-user-scram-credentials.ts'
import { DescribeQuorum } from './55-describe-quorum.ts'
import { UpdateFeatures } from './57-update-features.ts'
import { DescribeCluster } from './60-describe-cluster.ts'
import { DescribeProducers } from './61-describe-producers.ts'
import { UnregisterBroker } from './64-unregister-broker.ts'
import { DescribeTransactions } from './65-describe-transactions.ts'
import { ListTransactions } from './66-list-transactions.ts'
import { ConsumerGroupHeartbeat } from './68-consumer-group-heartbeat.ts'
import { ConsumerGroupDescribe } from './69-consumer-group-describe.ts'
import { GetTelemetrySubscriptions } from './71-get-telemetry-subscriptions.ts'
import { PushTelemetry } from './72-push-telemetry.ts'
import { ListConfigResources } from './74-list-config-resources.ts'
import { DescribeTopicPartitions } from './75-describe-topic-partitions.ts'
import { AddRaftVoter } from './80-add-raft-voter.ts'
import { RemoveRaftVoter } from './81-remove-raft-voter.ts'
import type { ApiSpec } from '../dsl.ts'

export const ALL_APIS: readonly ApiSpec[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  InitProducerId,
  OffsetForLeaderEpoch,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  WriteTxnMarkers,
  TxnOffsetCommit,
  DescribeAcls,
  CreateAcls,
  DeleteAcls,
  DescribeConfigs,
  AlterConfigs,
  AlterReplicaLogDirs,
  DescribeLogDirs,
  SaslAuthenticate,
  CreatePartitions,
  CreateDelegationToken,
  RenewDelegationToken,
  ExpireDelegationToken,
  DescribeDelegationToken,
  DeleteGroups,
  ElectLeaders,
  IncrementalAlterConfigs,
  AlterPartitionReassignments,
  ListPartitionReassignments,
  OffsetDelete,
  DescribeClientQuotas,
  AlterClientQuotas,
  DescribeUserScramCredentials,
  AlterUserScramCredentials,
  DescribeQuorum,
  UpdateFeatures,
  DescribeCluster,
  DescribeProducers,
  UnregisterBroker,
  DescribeTransactions,
  ListTransactions,
  ConsumerGroupHeartbeat,
  ConsumerGroupDescribe,
  GetTelemetrySubscriptions,
  PushTelemetry,
  ListConfigResources,
  DescribeTopicPartitions,
  AddRaftVoter,
  RemoveRaftVoter,
]
