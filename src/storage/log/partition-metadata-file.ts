// `partition.metadata`, Kafka's per-partition-directory record of the topic id the data belongs
// to (PartitionMetadataFile), so a directory left behind by a deleted topic is never served as a
// new topic of the same name. Text, UTF-8, exactly as Kafka writes it (no trailing newline):
//
//   version: 0
//   topic_id: <topic id, 22-character base64url>
//
// Kafka reads the version and id as whitespace-separated pairs, accepts any version >= 0 with
// this layout, and refuses the all-zero id.

import { uuidToBytes, ZERO_UUID } from '../../protocol/primitives/uuid.ts'

export const PARTITION_METADATA_FILE = 'partition.metadata'
const VERSION = 0

export class PartitionMetadataCorruptError extends Error {
  override name = 'PartitionMetadataCorruptError'
}

export function encodePartitionMetadata(topicId: string): Buffer {
  // Validates the id (canonical form) before writing it.
  uuidToBytes(topicId, Buffer.alloc(16), 0)
  return Buffer.from(`version: ${VERSION}\ntopic_id: ${topicId}`, 'utf8')
}

/** The topic id recorded in the file; throws PartitionMetadataCorruptError on anything else. */
export function decodePartitionMetadata(data: Buffer): string {
  const lines = data.toString('utf8').split('\n')
  const field = (line: string | undefined, name: string): string => {
    const parts = (line ?? '').trim().split(/\s+/)
    if (parts.length !== 2 || parts[0] !== `${name}:`)
      throw new PartitionMetadataCorruptError(`malformed line in ${PARTITION_METADATA_FILE}: ${line ?? ''}`)
    return parts[1]!
  }
  const version = Number(field(lines[0], 'version'))
  if (!Number.isInteger(version) || version < VERSION)
    throw new PartitionMetadataCorruptError(`unrecognized ${PARTITION_METADATA_FILE} version ${version}`)
  const id = field(lines[1], 'topic_id')
  try {
    uuidToBytes(id, Buffer.alloc(16), 0)
  } catch {
    throw new PartitionMetadataCorruptError(`invalid topic id in ${PARTITION_METADATA_FILE}: ${id}`)
  }
  if (id === ZERO_UUID)
    throw new PartitionMetadataCorruptError(`invalid topic id in ${PARTITION_METADATA_FILE}: ${id}`)
  if (lines.slice(2).some((l) => l.trim() !== ''))
    throw new PartitionMetadataCorruptError(`trailing data in ${PARTITION_METADATA_FILE}`)
  return id
}
