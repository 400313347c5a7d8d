import type { ClientFrame, ServerFrame } from './types';

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface SocketOptions {
  /** Current token; the socket stops when it returns null. */
  token: () => string | null;
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: SocketStatus) => void;
  /** Called on every (re)connection, after `open`: send `sync` and resend un-acked messages here. */
  onOpen?: () => void;
  /**
   * The browser hides why a handshake failed (401 looks like any network error), so after a
   * failed handshake the owner is asked whether the token is still good (an HTTP call).
   * Resolve false to stop reconnecting; onAuthFailed is then called.
   */
  checkAuth?: () => Promise<boolean>;
  onAuthFailed?: () => void;
}

const BASE_DELAY = 500;
const MAX_DELAY = 30_000;

/**
 * One WebSocket to /api/v1/ws with reconnection (exponential backoff with jitter, immediate
 * retry when the browser comes back online or the tab becomes visible).
 */
export class KefuSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private _status: SocketStatus = 'idle';
  private readonly onOnline = () => this.kick();
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.kick();
  };

  constructor(private readonly opts: SocketOptions) {}

  get status(): SocketStatus {
    return this._status;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onclose = ws.onmessage = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
    this.setStatus('stopped');
  }

  /** Sends a frame if the socket is open; returns false otherwise (the caller keeps it queued). */
  send(frame: ClientFrame): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Reconnect now if we are waiting for a retry. */
  kick(): void {
    if (this.stopped || this.ws) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  private setStatus(s: SocketStatus): void {
    if (s === this._status) return;
    this._status = s;
    this.opts.onStatus?.(s);
  }

  private url(token: string): string {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/api/v1/ws?token=${encodeURIComponent(token)}`;
  }

  private connect(): void {
    const token = this.opts.token();
    if (!token) {
      this.stop();
      return;
    }
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let opened = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url(token));
    } catch {
      this.scheduleReconnect(false);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setStatus('open');
      this.opts.onOpen?.();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof (frame as { type?: unknown }).type === 'string') {
        this.opts.onFrame(frame as ServerFrame);
      }
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      // 1008: policy (auth) — the token is no longer accepted.
      this.scheduleReconnect(!opened || ev.code === 1008);
    };
  }

  private scheduleReconnect(maybeAuth: boolean): void {
    this.setStatus('reconnecting');
    const delay = Math.min(MAX_DELAY, BASE_DELAY * 2 ** this.attempt) * (0.5 + Math.random() * 0.5);
    this.attempt = Math.min(this.attempt + 1, 16);
    const go = () => {
      this.timer = null;
      if (!this.stopped && !this.ws) this.connect();
    };
    if (maybeAuth && this.opts.checkAuth) {
      this.opts.checkAuth().then(
        (ok) => {
          if (this.stopped) return;
          if (!ok) {
            this.stop();
            this.opts.onAuthFailed?.();
            return;
          }
          this.timer = setTimeout(go, delay);
        },
        () => {
          if (!this.stopped) this.timer = setTimeout(go, delay);
        },
      );
      return;
    }
    this.timer = setTimeout(go, delay);
  }
}
