// Socket reads into memory of our choosing, for sockets a net.Server accepted.
//
// net.Socket's `onread: { buffer: () => Buffer, callback }` makes libuv read straight into the
// buffer the function returns (FrameReceiver hands out the frame's own memory), instead of
// allocating a chunk per read that is then copied. Node accepts `onread` only in `new net.Socket()`
// and `net.connect()`, not for a server's sockets, so it is set here the way that constructor sets
// it: the socket's three onread slots and the handle's user buffer. That relies on Node internals,
// so every piece is checked first; where one is missing (another Node version), `readInto` returns
// false and the caller reads 'data' events instead. The socket must not have read yet (the server
// is created with pauseOnConnect); it is left paused, and resume() starts the reads.

import type { Socket } from 'node:net'

interface UserBufferHandle {
  reading?: boolean
  useUserBuffer?: (buf: Uint8Array) => void
}

function slot(socket: Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === description)
}

/**
 * Routes the socket's reads: `next()` gives the buffer the next read fills, then `onRead(n)` says
 * how many bytes it got. Returns false (nothing changed) when this Node cannot do it.
 */
export function readInto(socket: Socket, next: () => Buffer, onRead: (n: number) => void): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle
  const kBuffer = slot(socket, 'kBuffer')
  const kBufferCb = slot(socket, 'kBufferCb')
  const kBufferGen = slot(socket, 'kBufferGen')
  if (
    handle === undefined ||
    handle === null ||
    handle.reading !== false ||
    typeof handle.useUserBuffer !== 'function' ||
    kBuffer === undefined ||
    kBufferCb === undefined ||
    kBufferGen === undefined
  )
    return false
  const slots = socket as unknown as Record<symbol, unknown>
  // Unset slots hold null; anything else means onread is already in use or the layout changed.
  if (slots[kBuffer] !== null || slots[kBufferCb] !== null || slots[kBufferGen] !== null) return false
  const first = next()
  slots[kBuffer] = first
  slots[kBufferGen] = next
  slots[kBufferCb] = (n: number): void => onRead(n)
  handle.useUserBuffer(first)
  return true
}
