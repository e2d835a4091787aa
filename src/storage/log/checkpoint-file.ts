// Kafka's text checkpoint files (CheckpointFile), replaced atomically (write .tmp, fsync, rename,
// fsync the directory):
//
//   <version>\n
//   <number of entries>\n
//   <entry>\n ...
//
// Two kinds, both version 0:
//   leader-epoch-checkpoint (per partition dir): entries `<epoch> <startOffset>`
//   recovery-point-offset-checkpoint, log-start-offset-checkpoint, cleaner-offset-checkpoint
//     (per log dir): entries `<topic> <partition> <offset>`

import type { EpochEntry } from '../leader-epoch-cache.ts'
import type { TopicPartition } from '../log-store.ts'

export class CheckpointCorruptError extends Error {
  override name = 'CheckpointCorruptError'
}

const VERSION = 0

function encode(lines: string[]): Buffer {
  return Buffer.from(`${VERSION}\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`, 'utf8')
}

function decodeLines(bytes: Buffer, fields: number): string[][] {
  const text = bytes.toString('utf8')
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (lines.length < 2) throw new CheckpointCorruptError('checkpoint file is missing its header')
  if (lines[0] !== String(VERSION)) throw new CheckpointCorruptError(`unknown checkpoint version ${lines[0]}`)
  const count = Number(lines[1])
  if (!Number.isInteger(count) || count < 0 || lines.length - 2 !== count)
    throw new CheckpointCorruptError(`checkpoint declares ${lines[1]} entries but has ${lines.length - 2}`)
  return lines.slice(2).map((l, i) => {
    const parts = l.split(' ')
    if (parts.length !== fields) throw new CheckpointCorruptError(`malformed checkpoint entry ${i}: ${l}`)
    return parts
  })
}

function parseOffset(s: string): bigint {
  if (!/^-?\d{1,19}$/.test(s)) throw new CheckpointCorruptError(`bad offset ${s}`)
  return BigInt(s)
}

function parseInt32(s: string): number {
  if (!/^-?\d{1,10}$/.test(s)) throw new CheckpointCorruptError(`bad number ${s}`)
  const n = Number(s)
  if (n < -0x80000000 || n > 0x7fffffff) throw new CheckpointCorruptError(`number out of range ${s}`)
  return n
}

export function encodeLeaderEpochCheckpoint(entries: readonly EpochEntry[]): Buffer {
  return encode(entries.map((e) => `${e.epoch} ${e.startOffset}`))
}

export function decodeLeaderEpochCheckpoint(bytes: Buffer): EpochEntry[] {
  return decodeLines(bytes, 2).map(([epoch, offset]) => ({
    epoch: parseInt32(epoch!),
    startOffset: parseOffset(offset!),
  }))
}

export interface PartitionOffset extends TopicPartition {
  offset: bigint
}

export function encodeOffsetCheckpoint(entries: readonly PartitionOffset[]): Buffer {
  return encode(entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`))
}

export function decodeOffsetCheckpoint(bytes: Buffer): PartitionOffset[] {
  return decodeLines(bytes, 3).map(([topic, partition, offset]) => ({
    topic: topic!,
    partition: parseInt32(partition!),
    offset: parseOffset(offset!),
  }))
}
