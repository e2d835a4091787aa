// Kafka's default partitioner for keyed records: murmur2 of the key bytes (the Java client's
// Utils.murmur2, seed 0x9747b28c), made positive with & 0x7fffffff, modulo the partition count.
// Same key → same partition as the Java client, librdkafka's murmur2_random and KafkaJS.

export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995
  const r = 24
  const length = data.length
  let h = (0x9747b28c ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24)
    k = Math.imul(k, m)
    k ^= k >>> r
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const rest = length & 3
  const base = length & ~3
  if (rest === 3) h ^= data[base + 2]! << 16
  if (rest >= 2) h ^= data[base + 1]! << 8
  if (rest >= 1) {
    h ^= data[base]!
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

export function partitionForKey(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions
}
