// The handler registry: startup checks, and the advertised table derived from the handlers.

import { describe, expect, it } from 'vitest'
import { ApiKey } from '../../src/protocol/generated/index.ts'
import { HANDLERS } from '../../src/broker/handlers/index.ts'
import apiVersions from '../../src/broker/handlers/18-api-versions.ts'
import metadata from '../../src/broker/handlers/03-metadata.ts'
import { defineHandler, Registry, RegistryError } from '../../src/broker/registry.ts'

const ok = { throttleTimeMs: 0, errorCode: 0 }

describe('Registry', () => {
  it('looks handlers up by API key and advertises only what is registered', () => {
    const r = new Registry([apiVersions, metadata])
    expect(r.get(ApiKey.Metadata)).toBe(metadata)
    expect(r.get(ApiKey.Produce)).toBeUndefined()
    expect(r.get(-1)).toBeUndefined()
    expect(r.get(10_000)).toBeUndefined()
    expect(r.apiVersions().map((a) => a.apiKey)).toEqual([ApiKey.Metadata, ApiKey.ApiVersions])
    expect(r.apiVersions().find((a) => a.apiKey === ApiKey.ApiVersions)).toEqual({
      apiKey: ApiKey.ApiVersions,
      minVersion: 0,
      maxVersion: 4,
    })
  })

  it('fails on duplicate handlers', () => {
    expect(() => new Registry([apiVersions, apiVersions])).toThrow(RegistryError)
  })

  it('fails on version ranges outside the schema or reversed', () => {
    const tooHigh = defineHandler(ApiKey.Heartbeat, { versions: [0, 99], handle: () => ok })
    const reversed = defineHandler(ApiKey.Heartbeat, { versions: [3, 1], handle: () => ok })
    expect(() => new Registry([tooHigh])).toThrow(/outside the schema/)
    expect(() => new Registry([reversed])).toThrow(/bad version range/)
  })

  it('builds from the shipped handler list, with telemetry APIs not advertised', () => {
    const r = new Registry(HANDLERS)
    const keys = r.apiVersions().map((a) => a.apiKey)
    expect(keys).toContain(ApiKey.ApiVersions)
    expect(keys).toContain(ApiKey.Metadata)
    expect(keys).not.toContain(ApiKey.GetTelemetrySubscriptions)
    expect(keys).not.toContain(ApiKey.PushTelemetry)
    // kafka-python 2.0.2 needs DescribeAcls v2 advertised to recognise a modern broker.
    const acls = r.apiVersions().find((a) => a.apiKey === ApiKey.DescribeAcls)
    expect(acls !== undefined && acls.minVersion <= 2 && acls.maxVersion >= 2).toBe(true)
  })
})
