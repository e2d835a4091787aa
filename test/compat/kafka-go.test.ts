// Compat suite: kafka-go against a fresh broker (see test/compat/suite.ts and compat/README.md).

import { runner } from '../../compat/kafka-go/runner.ts'
import { defineCompatSuite } from './suite.ts'

await defineCompatSuite(runner)
