import type { UnauthenticatedReason } from '../core/errors.js';

/** What a socket authenticated with: its session token, or an API key's Authorization value. */
export interface SocketCredential {
  sessionToken: string | undefined;
  authorization: string | undefined;
}

/**
 * Checks the credentials of open sockets again every `intervalMs`, once per distinct credential whatever the
 * number of sockets that share it (a dashboard's tabs, an integration's connections), and closes every socket
 * of one that stopped working. One timer for the instance instead of one per socket.
 */
export class SocketCredentialWatch {
  private readonly byCredential = new Map<
    string,
    { credential: SocketCredential; sockets: Map<object, (reason: UnauthenticatedReason) => void> }
  >();
  private readonly keyOf = new WeakMap<object, string>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly intervalMs: number,
    /** Null while the credential works, else why not. */
    private readonly refusal: (credential: SocketCredential) => Promise<UnauthenticatedReason | null>,
  ) {}

  watch(socket: object, credential: SocketCredential, close: (reason: UnauthenticatedReason) => void): void {
    const key = credential.authorization !== undefined ? `key:${credential.authorization}` : `session:${credential.sessionToken ?? ''}`;
    let entry = this.byCredential.get(key);
    if (!entry) this.byCredential.set(key, (entry = { credential, sockets: new Map() }));
    entry.sockets.set(socket, close);
    this.keyOf.set(socket, key);
    if (!this.timer) {
      this.timer = setInterval(() => void this.checkAll(), this.intervalMs);
      this.timer.unref();
    }
  }

  unwatch(socket: object): void {
    const key = this.keyOf.get(socket);
    const entry = key === undefined ? undefined : this.byCredential.get(key);
    if (!entry?.sockets.delete(socket)) return;
    if (entry.sockets.size === 0) this.byCredential.delete(key!);
    if (this.byCredential.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async checkAll(): Promise<void> {
    // A slow database must not pile up rounds of lookups.
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        [...this.byCredential.values()].map(async ({ credential, sockets }) => {
          const reason = await this.refusal(credential).catch(() => null);
          if (reason) for (const close of [...sockets.values()]) close(reason);
        }),
      );
    } finally {
      this.checking = false;
    }
  }
}
