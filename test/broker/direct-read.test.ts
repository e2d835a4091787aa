import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readInto } from '../../src/broker/direct-read.ts'

let server: Server | undefined
afterEach(() => {
  server?.close()
  server = undefined
})

/** A server accepting paused sockets; resolves with the first accepted socket and a client. */
async function pair(pauseOnConnect: boolean): Promise<{ accepted: Socket; client: Socket }> {
  const s = createServer({ pauseOnConnect, allowHalfOpen: true })
  server = s
  const accepted = new Promise<Socket>((resolve) => s.once('connection', resolve))
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  const client = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => client.once('connect', resolve))
  return { accepted: await accepted, client }
}

describe('readInto', () => {
  it('makes an accepted socket read into the buffers it is given, with end, pause and resume', async () => {
    const { accepted, client } = await pair(true)
    const buffers: Buffer[] = []
    const got: Buffer[] = []
    let wake: (() => void) | undefined
    const ok = readInto(
      accepted,
      () => {
        const b = Buffer.alloc(8)
        buffers.push(b)
        return b
      },
      (n) => {
        const last = buffers[buffers.length - 1]!
        got.push(Buffer.from(last.subarray(0, n)))
        wake?.()
      },
    )
    // Node 22–24 all have the slots; a Node without them falls back to 'data' events.
    expect(ok).toBe(true)
    const ended = new Promise<void>((resolve) => accepted.once('end', resolve))
    accepted.resume()
    const arrived = (bytes: number): Promise<void> =>
      new Promise((resolve) => {
        wake = () => {
          if (Buffer.concat(got).length >= bytes) resolve()
        }
        wake()
      })
    client.write('hello, direct reads')
    await arrived(19)
    expect(Buffer.concat(got).toString()).toBe('hello, direct reads')
    // No read is larger than the buffer it went into.
    expect(got.every((g) => g.length <= 8)).toBe(true)

    accepted.pause()
    client.write('later')
    await new Promise((r) => setTimeout(r, 50))
    expect(Buffer.concat(got).length).toBe(19)
    accepted.resume()
    await arrived(24)
    expect(Buffer.concat(got).toString()).toBe('hello, direct readslater')
    client.end()
    await ended
    accepted.destroy()
  })

  it('refuses a socket that is already reading, changing nothing', async () => {
    const { accepted, client } = await pair(false)
    expect(
      readInto(
        accepted,
        () => Buffer.alloc(8),
        () => {},
      ),
    ).toBe(false)
    const data = new Promise<Buffer>((resolve) => accepted.once('data', resolve))
    client.write('x')
    expect((await data).toString()).toBe('x')
    client.destroy()
    accepted.destroy()
  })
})
