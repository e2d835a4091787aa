// partition.metadata: Kafka's bytes, parsing, and the stores' topic-id checks (a directory of
// another topic id is never loaded, served or changed).

import { describe, expect, it } from 'vitest'
import { ErrorCode, KafkaError } from '../../src/protocol/errors.ts'
import { randomUuid } from '../../src/random.ts'
import { MemoryFileSystem, writeFully } from '../../src/storage/fs.ts'
import {
  decodePartitionMetadata,
  encodePartitionMetadata,
  PartitionMetadataCorruptError,
} from '../../src/storage/log/partition-metadata-file.ts'
import { createMemoryLogStore } from '../../src/storage/memory/index.ts'
import { simpleBatch } from './batches.ts'
import { config } from './log-behaviour.ts'
import { openStore, readAll, TP } from './helpers.ts'

const ID_A = 'vDW4Cyp5T2qWbK7e9BL8_A'
const FILE = '/data/t-0/partition.metadata'

async function text(fs: MemoryFileSystem, path: string): Promise<string | undefined> {
  return (await fs.stat(path)) === undefined ? undefined : (await fs.readFile(path)).toString()
}

async function write(fs: MemoryFileSystem, path: string, data: Buffer): Promise<void> {
  const h = await fs.open(path, { create: true })
  await h.truncate(0)
  await writeFully(h, data, 0)
  await h.close()
}

/** Every file of the partition directory with its contents. */
async function contents(fs: MemoryFileSystem): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const name of (await fs.readdir('/data/t-0')).sort())
    out.set(name, (await fs.readFile(`/data/t-0/${name}`)).toString('hex'))
  return out
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p
    return 0
  } catch (err) {
    if (err instanceof KafkaError) return err.code
    throw err
  }
}

describe('partition.metadata format', () => {
  it("encodes Kafka's text exactly and reads it back", () => {
    const bytes = encodePartitionMetadata(ID_A)
    expect(bytes.toString()).toBe(`version: 0\ntopic_id: ${ID_A}`)
    expect(decodePartitionMetadata(bytes)).toBe(ID_A)
    // Tolerant of a trailing newline and spacing, as Kafka's reader (whitespace split).
    expect(decodePartitionMetadata(Buffer.from(`version:  0\ntopic_id: ${ID_A}\n`))).toBe(ID_A)
    // Later versions with the same layout are read (Kafka's downgrade rule).
    expect(decodePartitionMetadata(Buffer.from(`version: 1\ntopic_id: ${ID_A}`))).toBe(ID_A)
  })

  it('refuses malformed files and the zero id', () => {
    for (const text of [
      '',
      'version: 0',
      `version 0\ntopic_id: ${ID_A}`,
      `version: -1\ntopic_id: ${ID_A}`,
      `version: x\ntopic_id: ${ID_A}`,
      'version: 0\ntopic_id: not-a-uuid',
      'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA',
      `version: 0\ntopic_id: ${ID_A}\nextra: 1`,
    ])
      expect(() => decodePartitionMetadata(Buffer.from(text)), text).toThrow(PartitionMetadataCorruptError)
    expect(() => encodePartitionMetadata('nope')).toThrow()
  })
})

describe('disk store: topic ids in partition.metadata', () => {
  it('records the topic id with the next checkpoint round and reopens under the same id', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs)
    const log = await store.open(TP, config(), { topicId: ID_A })
    await log.append(simpleBatch(2), { leaderEpoch: 0 })
    // Creating a partition writes nothing beyond its directory; the file follows.
    expect(await text(fs, FILE)).toBeUndefined()
    await store.close()
    expect(await text(fs, FILE)).toBe(`version: 0\ntopic_id: ${ID_A}`)
    store = await openStore(fs)
    const again = await store.open(TP, config(), { topicId: ID_A })
    expect(again.logEndOffset()).toBe(2n)
    // Reopening the loaded log under another id is refused too.
    expect(await code(store.open(TP, config(), { topicId: randomUuid() }))).toBe(
      ErrorCode.INCONSISTENT_TOPIC_ID,
    )
    await store.close()
  })

  it('never loads, serves or changes a directory recorded for another topic id', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs)
    const log = await store.open(TP, config(), { topicId: ID_A })
    for (let i = 0; i < 3; i++) await log.append(simpleBatch(2), { leaderEpoch: 0 })
    await store.close()
    // A torn tail that a load would recover (cut): it must stay as it is.
    const segment = '/data/t-0/00000000000000000000.log'
    await write(fs, segment, Buffer.concat([await fs.readFile(segment), Buffer.from('garbage')]))
    await fs.unlink('/data/.kafka_cleanshutdown')
    const before = await contents(fs)
    store = await openStore(fs)
    const err = await store.open(TP, config(), { topicId: randomUuid() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaError)
    expect((err as KafkaError).code).toBe(ErrorCode.INCONSISTENT_TOPIC_ID)
    expect((err as KafkaError).message).toContain(ID_A)
    expect(store.get(TP)).toBeUndefined()
    // Still listed (so nothing deletes it as an orphan by mistake), and checkpoints keep it.
    expect(store.partitions()).toEqual([TP])
    await store.maintain(Date.now())
    await store.close()
    expect(await contents(fs)).toEqual(before)
    // The right id opens it (and recovers it).
    store = await openStore(fs)
    const right = await store.open(TP, config(), { topicId: ID_A })
    expect((await readAll(right)).length).toBe(3)
    await store.close()
  })

  it('adopts a directory without the file (or with an unreadable one) and writes it', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs)
    await (await store.open(TP, config())).append(simpleBatch(1), { leaderEpoch: 0 })
    await store.close()
    // Opened without an id: nothing recorded.
    expect(await text(fs, FILE)).toBeUndefined()
    await write(fs, FILE, Buffer.from('version: 0\ntopic_id: torn'))
    store = await openStore(fs)
    expect((await store.open(TP, config(), { topicId: ID_A })).logEndOffset()).toBe(1n)
    await store.flush()
    expect(await text(fs, FILE)).toBe(`version: 0\ntopic_id: ${ID_A}`)
    await store.close()
  })

  it('does not recreate the directory of a partition deleted before the file was written', async () => {
    const fs = new MemoryFileSystem()
    const store = await openStore(fs)
    await store.open(TP, config(), { topicId: ID_A })
    await store.delete(TP)
    await store.flush()
    expect(await fs.stat('/data/t-0')).toBeUndefined()
    await store.close()
  })
})

describe('memory store: topic ids', () => {
  it('refuses to reopen a log under another topic id until it is deleted', async () => {
    const store = createMemoryLogStore()
    await store.open(TP, config(), { topicId: ID_A })
    expect(await code(store.open(TP, config(), { topicId: randomUuid() }))).toBe(
      ErrorCode.INCONSISTENT_TOPIC_ID,
    )
    expect(await code(store.open(TP, config(), { topicId: ID_A }))).toBe(0)
    expect(await code(store.open(TP, config()))).toBe(0)
    await store.delete(TP)
    expect(await code(store.open(TP, config(), { topicId: randomUuid() }))).toBe(0)
    await store.close()
  })
})
