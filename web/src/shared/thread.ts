import { reactive } from 'vue';
import type { AttachmentRef, Id, Message, MessageKind, Sender } from './types';
import { nowIso, uuid } from './util';

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface ChatItem {
  /** Stable key for v-for: the client_id for our own messages, else the message id. */
  key: string;
  id: Id | null;
  seq: number | null;
  client_id: string | null;
  sender: Sender;
  text: string;
  /** What the message is (see MessageKind); 'text' for our own and client-side lines. */
  kind: MessageKind;
  /** For kind 'attachment': the file. */
  attachment?: AttachmentRef;
  created_at: string;
  status: DeliveryStatus;
  /** Error code when status is 'failed' (or the last transient error while pending). */
  error?: string;
  /** A line the client adds itself (assignment, transfer…), shown translated. */
  note?: { key: string; params?: Record<string, string | number> };
}

export interface OutboxEntry {
  client_id: string;
  text: string;
  created_at: string;
}

/** Errors after which resending the same message cannot help. */
const PERMANENT = new Set(['invalid', 'too_large', 'forbidden', 'not_found', 'unknown_type']);

/**
 * The messages of one conversation as the UI shows them: server messages ordered by seq,
 * followed by our own messages that await their ack. Deduplicates by id, seq and client_id, so
 * history pages, sync replies, live frames and acks may arrive in any order.
 */
export class Thread {
  readonly state = reactive({
    items: [] as ChatItem[],
    /** Highest seq seen, 0 when none. */
    lastSeq: 0,
    /** Lowest seq loaded; older messages exist when hasMore. */
    firstSeq: 0,
    hasMore: false,
    loaded: false,
  });

  constructor(
    readonly conversationId: Id,
    private readonly onOutboxChange?: (entries: OutboxEntry[]) => void,
  ) {}

  get items(): ChatItem[] {
    return this.state.items;
  }

  /** Merges server messages (history, sync, message.created). Returns true if anything was new. */
  addMessages(msgs: Message[]): boolean {
    let changed = false;
    for (const m of msgs) if (this.addOne(m)) changed = true;
    if (changed) this.sort();
    return changed;
  }

  private addOne(m: Message): boolean {
    const items = this.state.items;
    if (typeof m.seq === 'number') {
      if (m.seq > this.state.lastSeq) this.state.lastSeq = m.seq;
      if (this.state.firstSeq === 0 || m.seq < this.state.firstSeq) this.state.firstSeq = m.seq;
    }
    const idStr = String(m.id);
    const known = items.find((it) => it.id !== null && String(it.id) === idStr);
    if (known) {
      if (known.seq === null && typeof m.seq === 'number') {
        known.seq = m.seq; // acked without a seq: now we know its place
        return true;
      }
      return false;
    }
    if (m.client_id) {
      const local = items.find((it) => it.client_id === m.client_id && it.id === null);
      if (local) {
        local.id = m.id;
        local.seq = m.seq;
        local.created_at = m.created_at;
        local.sender = m.sender;
        local.kind = m.kind ?? 'text';
        local.status = 'sent';
        delete local.error;
        this.outboxChanged();
        return true;
      }
    }
    items.push({
      key: m.client_id ? `c:${m.client_id}` : `m:${idStr}`,
      id: m.id,
      seq: m.seq,
      client_id: m.client_id,
      sender: m.sender,
      text: m.text,
      kind: m.kind ?? 'text',
      attachment: m.attachment,
      created_at: m.created_at,
      status: 'sent',
    });
    return true;
  }

  /** Shows revealed messages (a supervisor's audited reveal) as written in place of the masked text. */
  revealTexts(msgs: Message[]): void {
    for (const m of msgs) {
      const known = this.state.items.find((it) => it.id !== null && String(it.id) === String(m.id));
      if (known) known.text = m.text;
    }
  }

  /** Adds one of our messages, pending until its ack. */
  addPending(text: string, sender: Sender, entry?: OutboxEntry): ChatItem {
    const e = entry ?? { client_id: uuid(), text, created_at: nowIso() };
    const existing = this.state.items.find((it) => it.client_id === e.client_id);
    if (existing) return existing;
    this.state.items.push({
      key: `c:${e.client_id}`,
      id: null,
      seq: null,
      client_id: e.client_id,
      sender,
      text: e.text,
      kind: 'text',
      created_at: e.created_at,
      status: 'pending',
    });
    this.outboxChanged();
    // return the reactive proxy
    return this.state.items[this.state.items.length - 1]!;
  }

  /** Adds a client-side system line after the newest message. */
  addNote(key: string, params?: Record<string, string | number>): void {
    const items = this.state.items;
    const last = [...items].reverse().find((it) => it.note);
    const lastMsg = items[items.length - 1];
    if (last && lastMsg === last && last.note?.key === key && JSON.stringify(last.note.params) === JSON.stringify(params))
      return; // same line twice in a row
    items.push({
      key: `n:${uuid()}`,
      id: null,
      seq: this.state.lastSeq + 0.5,
      client_id: null,
      sender: { type: 'system', id: null, name: null },
      text: '',
      kind: 'text',
      created_at: nowIso(),
      status: 'sent',
      note: params ? { key, params } : { key },
    });
    this.sort();
  }

  ack(clientId: string, messageId: Id, seq?: number): boolean {
    const it = this.state.items.find((x) => x.client_id === clientId);
    if (!it) return false;
    it.id = messageId;
    if (typeof seq === 'number') {
      it.seq = seq;
      if (seq > this.state.lastSeq) this.state.lastSeq = seq;
      if (this.state.firstSeq === 0) this.state.firstSeq = seq;
    }
    it.status = 'sent';
    delete it.error;
    this.sort();
    this.outboxChanged();
    return true;
  }

  /** Marks a message failed after an error frame; returns false if the id is not ours. */
  fail(clientId: string, code: string): boolean {
    const it = this.state.items.find((x) => x.client_id === clientId && x.status !== 'sent');
    if (!it) return false;
    if (PERMANENT.has(code)) {
      it.status = 'failed';
      it.error = code;
      this.outboxChanged();
    } else {
      // transient (rate_limited, unavailable, …): stays pending, resent on the next retry tick
      it.error = code;
    }
    return true;
  }

  /** Messages to (re)send: pending ones, oldest first. */
  pending(): ChatItem[] {
    return this.state.items.filter((it) => it.status === 'pending' && it.client_id);
  }

  retry(item: ChatItem): void {
    item.status = 'pending';
    delete item.error;
    this.outboxChanged();
  }

  discard(item: ChatItem): void {
    const i = this.state.items.indexOf(item);
    if (i >= 0) this.state.items.splice(i, 1);
    this.outboxChanged();
  }

  has(clientId: string): boolean {
    return this.state.items.some((x) => x.client_id === clientId);
  }

  clear(): void {
    this.state.items.splice(0);
    this.state.lastSeq = 0;
    this.state.firstSeq = 0;
    this.state.hasMore = false;
    this.state.loaded = false;
  }

  private sort(): void {
    // Stable: acked/server messages by seq, un-acked ones keep their order at the end.
    const items = this.state.items;
    const sorted = items
      .map((it, i) => ({ it, i }))
      .sort((a, b) => {
        const sa = a.it.seq ?? Number.POSITIVE_INFINITY;
        const sb = b.it.seq ?? Number.POSITIVE_INFINITY;
        if (sa !== sb) return sa - sb;
        return a.i - b.i;
      });
    let same = true;
    for (let i = 0; i < sorted.length; i++)
      if (sorted[i]!.it !== items[i]) {
        same = false;
        break;
      }
    if (!same) items.splice(0, items.length, ...sorted.map((x) => x.it));
  }

  private outboxChanged(): void {
    if (!this.onOutboxChange) return;
    this.onOutboxChange(
      this.state.items
        .filter((it) => it.id === null && it.client_id && it.status !== 'failed')
        .map((it) => ({ client_id: it.client_id!, text: it.text, created_at: it.created_at })),
    );
  }
}
