// DescribeLogDirs (API key 35): versions 0-4, flexible 2+.
// Response changes: v3: +errorCode · v4: +results.totalBytes, +results.usableBytes

import { api, f, struct } from '../dsl.ts'

export const DescribeLogDirs = api({
  key: 35,
  name: 'DescribeLogDirs',
  valid: '0-4',
  flexible: '2+',
  request: {
    topics: f
      .array(
        struct('DescribableLogDirTopic', {
          topic: f.string().entity('topicName'),
          partitions: f.array(f.int32()),
        }),
      )
      .nullable('0+'),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode().versions('3+').ignorable(),
    results: f.array(
      struct('DescribeLogDirsResult', {
        errorCode: f.errorCode(),
        logDir: f.string(),
        topics: f.array(
          struct('DescribeLogDirsTopic', {
            name: f.string().entity('topicName'),
            partitions: f.array(
              struct('DescribeLogDirsPartition', {
                partitionIndex: f.int32(),
                partitionSize: f.int64(),
                offsetLag: f.int64(),
                isFutureKey: f.bool(),
              }),
            ),
          }),
        ),
        totalBytes: f.int64().versions('4+').default(-1n).ignorable(),
        usableBytes: f.int64().versions('4+').default(-1n).ignorable(),
      }),
    ),
  },
})
