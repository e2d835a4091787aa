// What a handler gets besides its decoded request: who is asking (connection, listener, client id,
// authentication state), the request's header fields, the broker's services, a clock and a logger
// already bound to the connection and correlation id.

import type { FrameLease } from '../protocol/receive-buffers.ts'
import type { Clock } from './clock.ts'
import type { Listener } from './config/listeners.ts'
import type { Logger } from './logger.ts'
import type { BrokerServices } from './services.ts'

/**
 * Authentication state of a connection. Only `none` exists until SASL lands; the connection's gate
 * before dispatch already consults it, so adding SASL means adding states here and transitions in
 * the SaslHandshake/SaslAuthenticate handlers.
 * - none: the listener needs no authentication; every API is dispatched.
 */
export type AuthState = { readonly kind: 'none' }

/** The per-connection facts a handler may read. */
export interface ConnectionInfo {
  /** Unique for the broker's lifetime; appears in log lines. */
  readonly id: number
  readonly remoteAddress: string
  readonly remotePort: number
  /** The listener this connection was accepted on (its advertised endpoint goes in Metadata). */
  readonly listener: Listener
  /** Authenticated principal, `User:ANONYMOUS` without authentication (Kafka's name). */
  principal: string
  auth: AuthState
}

export interface RequestContext {
  readonly services: BrokerServices
  readonly connection: ConnectionInfo
  readonly apiKey: number
  readonly apiVersion: number
  readonly correlationId: number
  readonly clientId: string | null
  /** Size of the request frame in bytes (without the 4-byte size prefix). */
  readonly frameBytes: number
  /** clock.monotonic() when the frame was read. */
  readonly receivedAt: number
  readonly clock: Clock
  /** Child logger with the connection id, API name and correlation id. */
  readonly logger: Logger
  /**
   * Runs `done` once the response has been handed to the kernel, or once it never will be (no
   * response, the connection closed first): for recycling buffers the response refers to. Absent
   * where requests are not served by a connection (handler unit tests).
   */
  afterResponseWritten?(done: () => void): void
  /**
   * Produce only: the request frame's receive buffer, to release once no view of the frame (its
   * records) survives. Undefined for every other API and for frames outside a standard buffer.
   */
  readonly frameLease?: FrameLease | undefined
}
