// Listeners in Kafka's syntax: `listeners=NAME://host:port,...` and the same form for
// `advertised.listeners`. The name maps to a security protocol through
// `listener.security.protocol.map` (or is itself a protocol name: PLAINTEXT, SSL, SASL_PLAINTEXT,
// SASL_SSL). An empty host or 0.0.0.0/:: binds every interface; IPv6 hosts are bracketed
// (`PLAINTEXT://[::1]:9092`). Port 0 binds an ephemeral port, which is then also what is
// advertised unless advertised.listeners names a port. Listeners named in
// `controller.listener.names` are accepted and not bound (there is no KRaft controller here).

import { hostname } from 'node:os'
import type { BrokerConfig } from './broker-config.ts'

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number]

export interface Endpoint {
  readonly name: string
  /** As written: '' for "all interfaces". */
  readonly host: string
  readonly port: number
}

/** A listener to bind, with the endpoint clients are told about. */
export interface ListenerSpec {
  readonly name: string
  readonly securityProtocol: SecurityProtocol
  readonly bindHost: string
  readonly port: number
  /** Advertised host/port; port -1 means "the port actually bound". */
  readonly advertisedHost: string
  readonly advertisedPort: number
}

/** A bound listener: what a connection and Metadata see. */
export interface Listener {
  readonly name: string
  readonly securityProtocol: SecurityProtocol
  readonly host: string
  readonly port: number
  readonly advertisedHost: string
  readonly advertisedPort: number
}

export class ListenerConfigError extends Error {
  override name = 'ListenerConfigError'
}

const ENDPOINT = /^([A-Za-z0-9_-]+):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]*):(\d+)$/

export function parseEndpoints(value: string, property: string): Endpoint[] {
  const out: Endpoint[] = []
  for (const raw of value.split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const m = ENDPOINT.exec(item)
    if (m === null)
      throw new ListenerConfigError(
        `${property}: '${item}' is not of the form NAME://host:port (e.g. PLAINTEXT://127.0.0.1:9092)`,
      )
    const port = Number(m[3])
    if (port > 65535) throw new ListenerConfigError(`${property}: port ${port} in '${item}' is out of range`)
    const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!
    const name = m[1]!.toUpperCase()
    if (out.some((e) => e.name === name))
      throw new ListenerConfigError(`${property}: listener name ${name} appears twice`)
    out.push({ name, host, port })
  }
  return out
}

export function parseProtocolMap(value: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>()
  for (const raw of value.split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const [name, proto] = item.split(':').map((s) => s.trim().toUpperCase())
    if (name === undefined || proto === undefined || name === '' || !isProtocol(proto))
      throw new ListenerConfigError(
        `listener.security.protocol.map: '${item}' is not NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`,
      )
    map.set(name, proto)
  }
  return map
}

function isProtocol(s: string): s is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(s)
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::'
}

export interface ListenerSettings {
  listeners: string
  advertisedListeners: string | null
  protocolMap: string
  controllerListenerNames: readonly string[]
}

/** Resolves the configured listeners into the ones to bind. Throws ListenerConfigError. */
/** The listener properties of a broker configuration, as resolveListeners takes them. */
export function listenerSettingsOf(config: BrokerConfig): ListenerSettings {
  return {
    listeners: config.list('listeners').join(','),
    advertisedListeners: config.isSet('advertised.listeners')
      ? config.list('advertised.listeners').join(',')
      : null,
    protocolMap: config.string('listener.security.protocol.map') ?? '',
    controllerListenerNames: config.list('controller.listener.names'),
  }
}

export function resolveListeners(s: ListenerSettings): ListenerSpec[] {
  const protocols = parseProtocolMap(s.protocolMap)
  const controllers = new Set(s.controllerListenerNames.map((n) => n.toUpperCase()))
  const bind = parseEndpoints(s.listeners, 'listeners').filter((e) => !controllers.has(e.name))
  if (bind.length === 0) throw new ListenerConfigError('listeners: no client listener is configured')
  const advertised = new Map(
    (s.advertisedListeners === null ? [] : parseEndpoints(s.advertisedListeners, 'advertised.listeners')).map(
      (e) => [e.name, e],
    ),
  )
  for (const name of advertised.keys())
    if (!bind.some((e) => e.name === name) && !controllers.has(name))
      throw new ListenerConfigError(
        `advertised.listeners: ${name} is not one of the listeners (${bind.map((e) => e.name).join(', ')})`,
      )

  return bind.map((e) => {
    const securityProtocol = protocols.get(e.name) ?? (isProtocol(e.name) ? e.name : undefined)
    if (securityProtocol === undefined)
      throw new ListenerConfigError(
        `listener ${e.name} has no security protocol: add ${e.name}:PLAINTEXT to listener.security.protocol.map`,
      )
    if (securityProtocol !== 'PLAINTEXT')
      throw new ListenerConfigError(
        `listener ${e.name}: security protocol ${securityProtocol} is not supported yet (PLAINTEXT only)`,
      )
    const adv = advertised.get(e.name)
    if (adv !== undefined && isWildcard(adv.host))
      throw new ListenerConfigError(
        `advertised.listeners: ${e.name} advertises the non-routable '${adv.host}'; name a host clients can reach`,
      )
    return {
      name: e.name,
      securityProtocol,
      bindHost: e.host === '' ? '0.0.0.0' : e.host,
      port: e.port,
      advertisedHost: adv?.host ?? (isWildcard(e.host) ? hostname() : e.host),
      advertisedPort: adv !== undefined ? adv.port : e.port === 0 ? -1 : e.port,
    }
  })
}
