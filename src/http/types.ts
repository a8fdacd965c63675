/** What the HTTP side reads from the daemon: its status and its stream of changes. Read-only. */
import type { DaemonStatus } from '../daemon/daemon';
import type { EventHub } from '../observe/events';

export interface StatusSource {
  status(): DaemonStatus;
  readonly events: EventHub;
}

/** Where the endpoint listens. */
export interface HttpListen {
  readonly address: string;
  readonly port: number;
}
