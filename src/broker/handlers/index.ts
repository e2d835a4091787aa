// Every API the broker serves, one handler per key, listed explicitly (greppable, bundler-proof).
// registry.ts builds the dispatch table from this array and fails at start on duplicates or bad
// version ranges; ApiVersions advertises exactly these.

import type { AnyHandler } from '../registry.ts'
import apiVersions from './18-api-versions.ts'

export const HANDLERS: readonly AnyHandler[] = [apiVersions]
