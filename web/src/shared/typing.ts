import { ref, type Ref } from 'vue';

/**
 * Outgoing typing frames, debounced: `typing:true` at most every 3 s while keys are pressed,
 * `typing:false` after 3 s without input or when the message is sent.
 */
export class TypingSender {
  private active = false;
  private lastTrue = 0;
  private idle: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly send: (typing: boolean) => void) {}

  input(): void {
    const now = Date.now();
    if (!this.active || now - this.lastTrue > 3000) {
      this.active = true;
      this.lastTrue = now;
      this.send(true);
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), 3000);
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (this.active) {
      this.active = false;
      this.send(false);
    }
  }
}

/** Incoming typing state that expires by itself if the `typing:false` frame is lost. */
export class TypingWatcher {
  readonly visible: Ref<boolean> = ref(false);
  private timer: ReturnType<typeof setTimeout> | null = null;

  set(typing: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.visible.value = typing;
    if (typing) this.timer = setTimeout(() => (this.visible.value = false), 7000);
  }

  clear(): void {
    this.set(false);
  }
}
