// Compat suite: confluent-js against a fresh broker (see test/compat/suite.ts and compat/README.md).

import { runner } from '../../compat/confluent-js/runner.ts'
import { defineCompatSuite } from './suite.ts'

await defineCompatSuite(runner)
