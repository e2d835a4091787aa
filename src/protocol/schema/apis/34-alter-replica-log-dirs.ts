// AlterReplicaLogDirs (API key 34): versions 0-2, flexible 2+.

import { api, f, struct } from '../dsl.ts'

export const AlterReplicaLogDirs = api({
  key: 34,
  name: 'AlterReplicaLogDirs',
  valid: '0-2',
  flexible: '2+',
  request: {
    dirs: f.array(
      struct('AlterReplicaLogDir', {
        path: f.string(),
        topics: f.array(
          struct('AlterReplicaLogDirTopic', {
            name: f.string().entity('topicName'),
            partitions: f.array(f.int32()),
          }),
        ),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    results: f.array(
      struct('AlterReplicaLogDirTopicResult', {
        topicName: f.string().entity('topicName'),
        partitions: f.array(
          struct('AlterReplicaLogDirPartitionResult', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
          }),
        ),
      }),
    ),
  },
})
