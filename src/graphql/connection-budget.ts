/**
 * Long-lived connections (WebSockets on /graphql, event streams on /graphql/stream) open at once,
 * at most WS_MAX_CONNECTIONS together: each holds a file descriptor, and the cap is there to keep
 * descriptors for HTTP, the database and Khalti (ws/socket-limits.ts). One budget for both, so a
 * client cannot double its share by opening the other kind.
 */
export class ConnectionBudget {
  private count = 0;

  constructor(readonly max: number) {}

  get open(): number {
    return this.count;
  }

  /** Takes a place; false at the cap (nothing taken). */
  take(): boolean {
    if (this.count >= this.max) return false;
    this.count += 1;
    return true;
  }

  release(): void {
    this.count = Math.max(0, this.count - 1);
  }
}
