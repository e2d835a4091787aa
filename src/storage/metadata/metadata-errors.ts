// Typed errors of the metadata store that have no Kafka wire code. Validation failures (duplicate
// topic, unknown topic, bad partition count) are KafkaError (src/protocol/errors.ts) instead, so
// handlers can put their code straight into a response.

/** A metadata file is damaged in a way recovery must not paper over (bad magic, snapshot CRC, …). */
export class MetadataCorruptError extends Error {
  override name = 'MetadataCorruptError'
}

/**
 * A journal write or fsync failed. The store stops accepting changes (after a failed fsync the
 * kernel may already have dropped the dirty pages, so retrying could acknowledge lost data); reads
 * keep serving what was durably committed. Reopening the store recovers from the files.
 */
export class MetadataStoreFailedError extends Error {
  override name = 'MetadataStoreFailedError'
}
