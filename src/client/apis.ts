// The Kafka APIs the client speaks, by name, with their request (Init) and response types from the
// generated codec, and the highest version the client is written for. Capping a version here
// is a statement about our code, not the broker: e.g. OffsetFetch/OffsetCommit v10 address topics
// by id only, and the tools address them by name, so they stop at v9.

import type * as G from '../protocol/generated/index.ts'

export const API = {
  Produce: { key: 0, max: 13 },
  Fetch: { key: 1, max: 18 },
  ListOffsets: { key: 2, max: 11 },
  Metadata: { key: 3, max: 13 },
  OffsetCommit: { key: 8, max: 9 },
  OffsetFetch: { key: 9, max: 9 },
  FindCoordinator: { key: 10, max: 6 },
  JoinGroup: { key: 11, max: 9 },
  Heartbeat: { key: 12, max: 4 },
  LeaveGroup: { key: 13, max: 5 },
  SyncGroup: { key: 14, max: 5 },
  DescribeGroups: { key: 15, max: 6 },
  ListGroups: { key: 16, max: 5 },
  ApiVersions: { key: 18, max: 4 },
  CreateTopics: { key: 19, max: 7 },
  DeleteTopics: { key: 20, max: 6 },
  InitProducerId: { key: 22, max: 5 },
  // v4+ are the broker-to-coordinator form (KIP-890); clients send v3 at most, as Kafka's do.
  AddPartitionsToTxn: { key: 24, max: 3 },
  AddOffsetsToTxn: { key: 25, max: 4 },
  EndTxn: { key: 26, max: 5 },
  TxnOffsetCommit: { key: 28, max: 5 },
  DescribeConfigs: { key: 32, max: 4 },
  CreatePartitions: { key: 37, max: 3 },
  DeleteGroups: { key: 42, max: 2 },
  IncrementalAlterConfigs: { key: 44, max: 1 },
  OffsetDelete: { key: 47, max: 0 },
  DescribeCluster: { key: 60, max: 2 },
} as const

export type ApiName = keyof typeof API

export interface ApiTypes {
  Produce: { req: G.ProduceRequestInit; res: G.ProduceResponse }
  Fetch: { req: G.FetchRequestInit; res: G.FetchResponse }
  ListOffsets: { req: G.ListOffsetsRequestInit; res: G.ListOffsetsResponse }
  Metadata: { req: G.MetadataRequestInit; res: G.MetadataResponse }
  OffsetCommit: { req: G.OffsetCommitRequestInit; res: G.OffsetCommitResponse }
  OffsetFetch: { req: G.OffsetFetchRequestInit; res: G.OffsetFetchResponse }
  FindCoordinator: { req: G.FindCoordinatorRequestInit; res: G.FindCoordinatorResponse }
  JoinGroup: { req: G.JoinGroupRequestInit; res: G.JoinGroupResponse }
  Heartbeat: { req: G.HeartbeatRequestInit; res: G.HeartbeatResponse }
  LeaveGroup: { req: G.LeaveGroupRequestInit; res: G.LeaveGroupResponse }
  SyncGroup: { req: G.SyncGroupRequestInit; res: G.SyncGroupResponse }
  DescribeGroups: { req: G.DescribeGroupsRequestInit; res: G.DescribeGroupsResponse }
  ListGroups: { req: G.ListGroupsRequestInit; res: G.ListGroupsResponse }
  ApiVersions: { req: G.ApiVersionsRequestInit; res: G.ApiVersionsResponse }
  CreateTopics: { req: G.CreateTopicsRequestInit; res: G.CreateTopicsResponse }
  DeleteTopics: { req: G.DeleteTopicsRequestInit; res: G.DeleteTopicsResponse }
  InitProducerId: { req: G.InitProducerIdRequestInit; res: G.InitProducerIdResponse }
  AddPartitionsToTxn: { req: G.AddPartitionsToTxnRequestInit; res: G.AddPartitionsToTxnResponse }
  AddOffsetsToTxn: { req: G.AddOffsetsToTxnRequestInit; res: G.AddOffsetsToTxnResponse }
  EndTxn: { req: G.EndTxnRequestInit; res: G.EndTxnResponse }
  TxnOffsetCommit: { req: G.TxnOffsetCommitRequestInit; res: G.TxnOffsetCommitResponse }
  DescribeConfigs: { req: G.DescribeConfigsRequestInit; res: G.DescribeConfigsResponse }
  CreatePartitions: { req: G.CreatePartitionsRequestInit; res: G.CreatePartitionsResponse }
  DeleteGroups: { req: G.DeleteGroupsRequestInit; res: G.DeleteGroupsResponse }
  IncrementalAlterConfigs: {
    req: G.IncrementalAlterConfigsRequestInit
    res: G.IncrementalAlterConfigsResponse
  }
  OffsetDelete: { req: G.OffsetDeleteRequestInit; res: G.OffsetDeleteResponse }
  DescribeCluster: { req: G.DescribeClusterRequestInit; res: G.DescribeClusterResponse }
}

export function apiNameOf(key: number): string {
  for (const [name, api] of Object.entries(API)) if (api.key === key) return name
  return `api ${key}`
}
