// Parts of the broker with a lifecycle of their own (the group and transaction coordinators),
// listed explicitly like the handlers. Each is started after the topic manager and before the
// listeners open, in list order, and closed in reverse order at shutdown, before the stores.
// A component fills its slot in BrokerServices (services.groups, services.transactions).

import { groupComponent } from './group/component.ts'
import type { BrokerServices } from './services.ts'
import { txnComponent } from './txn/component.ts'

export interface RunningComponent {
  close(): Promise<void>
}

export interface BrokerComponent {
  readonly name: string
  start(services: BrokerServices): Promise<RunningComponent>
}

export const COMPONENTS: readonly BrokerComponent[] = [groupComponent, txnComponent]
