import { reactive, shallowRef } from 'vue';
import { api, ApiError } from '../shared/api';
import { KefuSocket, type SocketStatus } from '../shared/socket';
import { Thread } from '../shared/thread';
import { TypingSender, TypingWatcher } from '../shared/typing';
import { uuid } from '../shared/util';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_TEXT,
  PRESENCES,
  sameId,
  type Conversation,
  type ConvEvent,
  type CustomerProfile,
  type Id,
  type Message,
  type Presence,
  type QueueInfo,
  type ServerFrame,
  type Staff,
  type Ticket,
} from '../shared/types';
import { setStaff, signOut } from './auth';

export type { Presence };

const WAITING_STATES = ['bot', 'queued'];
const MINE_STATES = ['active', 'pending'];
const RESEND_AFTER_MS = 8000;
/** The queue overview is re-read this often, and shortly after any conversation change. */
const QUEUES_EVERY_MS = 15_000;
const QUEUES_DEBOUNCE_MS = 400;

function asPresence(v: unknown): Presence | '' {
  return typeof v === 'string' && (PRESENCES as readonly string[]).includes(v) ? (v as Presence) : '';
}

export type TransferTarget = { desk: string } | { agent_id: number };

/** A success line shown for a few seconds (i18n key and parameters). */
export interface Flash {
  key: string;
  params?: Record<string, string | number>;
  /** 'warn' for news that needs attention (an SLA warning or breach), else a success line. */
  tone?: 'warn';
}

function activity(c: Conversation): number {
  return Date.parse(c.last_message_at ?? c.updated_at ?? c.created_at) || 0;
}

/** Queued chats first, oldest first (fair queue); then chats the bot holds, latest activity first. */
function waitingOrder(a: Conversation, b: Conversation): number {
  if (a.state !== b.state) return a.state === 'queued' ? -1 : 1;
  if (a.state === 'queued') return (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0);
  return activity(b) - activity(a);
}

function mineOrder(a: Conversation, b: Conversation): number {
  return activity(b) - activity(a);
}

/**
 * State and behaviour of the agent console once signed in: the conversation lists (waiting, mine,
 * and for supervisors and admins everyone else's active ones), the selected conversation with its
 * thread, monitoring, the WebSocket and the reply outbox.
 */
export class Workspace {
  readonly state = reactive({
    waiting: [] as Conversation[],
    mine: [] as Conversation[],
    /** Supervisors and admins: active/pending conversations of other agents (or of nobody). */
    active: [] as Conversation[],
    /** Id of the conversation this console monitors (its messages arrive live), or null. */
    monitoring: null as string | null,
    /** A whisper or barge-in request in flight. */
    supSending: false,
    selected: null as Conversation | null,
    conn: 'idle' as SocketStatus,
    listsLoading: false,
    listError: null as string | null,
    unread: {} as Record<string, number>,
    accepting: false,
    /** i18n key of the last accept failure. */
    acceptError: null as string | null,
    events: [] as ConvEvent[],
    eventsLoaded: false,
    /** The selected conversation's customer (PII masked until a supervisor reveals it). */
    customer: null as CustomerProfile | null,
    revealing: false,
    revealError: null as string | null,
    historyLoading: false,
    historyError: null as string | null,
    loadingMore: false,
    notice: null as string | null,
    flash: null as Flash | null,
    /** Presence as the server last confirmed it ('' until known). */
    presence: '' as Presence | '',
    presenceSaving: false,
    queues: [] as QueueInfo[],
    queuesLoaded: false,
    queuesError: null as string | null,
    queuesAt: null as string | null,
    /** Transfer or close request in flight. */
    acting: false,
    /** A ticket being created from the selected conversation. */
    ticketing: false,
    /** A ticket the tickets view should open (set by 转工单); the view clears it. */
    openTicket: null as string | null,
  });
  readonly thread = shallowRef<Thread | null>(null);
  readonly customerTyping = new TypingWatcher();
  private readonly threads = new Map<string, Thread>();
  private readonly lastSent = new Map<string, number>();
  private readonly typing = new TypingSender((typing) => this.sendTyping(typing));
  private socket: KefuSocket | null = null;
  private resendTimer: ReturnType<typeof setInterval> | null = null;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;
  private flashTimer: ReturnType<typeof setTimeout> | null = null;
  private queuesTimer: ReturnType<typeof setInterval> | null = null;
  private queuesSoon: ReturnType<typeof setTimeout> | null = null;
  private queuesAbort: AbortController | null = null;
  private opens = 0;
  private stopped = false;

  constructor(
    private readonly token: string,
    readonly me: Staff,
  ) {
    this.state.presence = asPresence(me.status);
  }

  // ---------- lifecycle ----------

  start(): void {
    void this.refreshLists();
    void this.refreshMe();
    void this.refreshQueues();
    this.queuesTimer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.refreshQueues();
    }, QUEUES_EVERY_MS);
    this.socket = new KefuSocket({
      token: () => (this.stopped ? null : this.token),
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => (this.state.conn = s),
      onOpen: () => this.onOpen(),
      checkAuth: async () => {
        try {
          await api.me(this.token);
          return true;
        } catch (e) {
          return !(e instanceof ApiError && e.status === 401);
        }
      },
      onAuthFailed: () => this.expired(),
    });
    this.socket.start();
    this.resendTimer = setInterval(() => this.resendStale(), 2000);
    window.addEventListener('pagehide', this.onPageHide);
  }

  /** Closing or leaving the page ends monitoring too (a request that outlives the page). */
  private readonly onPageHide = (): void => {
    const id = this.state.monitoring;
    if (id) void api.monitor(this.token, id, false, true).catch(() => undefined);
  };

  stop(): void {
    if (!this.stopped) void this.unmonitor();
    this.stopped = true;
    window.removeEventListener('pagehide', this.onPageHide);
    this.typing.stop();
    this.socket?.stop();
    this.socket = null;
    if (this.resendTimer) clearInterval(this.resendTimer);
    this.resendTimer = null;
    if (this.queuesTimer) clearInterval(this.queuesTimer);
    this.queuesTimer = null;
    if (this.queuesSoon) clearTimeout(this.queuesSoon);
    this.queuesSoon = null;
    this.queuesAbort?.abort();
    if (this.flashTimer) clearTimeout(this.flashTimer);
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
  }

  async logout(): Promise<void> {
    if (this.state.presence && this.state.presence !== 'offline') {
      try {
        await api.setStatus(this.token, 'offline');
      } catch {
        /* best effort */
      }
    }
    await this.unmonitor();
    this.stop();
    signOut();
  }

  private expired(): void {
    this.stop();
    signOut('unauthorized');
  }

  /** Handles a failed HTTP call: signs out on 401, otherwise returns the error code. */
  private failure(e: unknown): string {
    if (e instanceof ApiError) {
      if (e.status === 401) this.expired();
      return e.code;
    }
    return 'generic';
  }

  private notice(code: string): void {
    this.state.notice = code;
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (this.state.notice = null), 6000);
  }

  private flash(key: string, params?: Record<string, string | number>, tone?: 'warn'): void {
    this.state.flash = { key, ...(params ? { params } : {}), ...(tone ? { tone } : {}) };
    if (this.flashTimer) clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => (this.state.flash = null), 5000);
  }

  /** Re-reads who we are: the presence the server has for us may differ from the stored one. */
  private async refreshMe(): Promise<void> {
    try {
      const me = await api.me(this.token);
      if (this.stopped) return;
      if (!this.state.presenceSaving) this.state.presence = asPresence(me.status);
      setStaff(me);
    } catch (e) {
      this.failure(e);
    }
  }

  // ---------- queues ----------

  /** Reads the per-desk queue overview (waiting, agents online and free). */
  async refreshQueues(): Promise<void> {
    if (this.stopped) return;
    this.queuesAbort?.abort();
    const abort = new AbortController();
    this.queuesAbort = abort;
    try {
      const r = await api.queues(this.token, abort.signal);
      this.state.queues = Array.isArray(r.queues) ? r.queues : [];
      this.state.queuesError = null;
      this.state.queuesAt = new Date().toISOString();
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      this.state.queuesError = this.failure(e);
    } finally {
      if (this.queuesAbort === abort) {
        this.queuesAbort = null;
        this.state.queuesLoaded = true;
      }
    }
  }

  /** Conversation changes come in bursts (assignment = several frames): refresh once after them. */
  private queuesChanged(): void {
    if (this.queuesSoon || this.stopped) return;
    this.queuesSoon = setTimeout(() => {
      this.queuesSoon = null;
      void this.refreshQueues();
    }, QUEUES_DEBOUNCE_MS);
  }

  // ---------- lists ----------

  isMine(c: Conversation): boolean {
    return sameId(c.assigned_agent?.id, this.me.id) && MINE_STATES.includes(c.state);
  }

  isWaiting(c: Conversation): boolean {
    return WAITING_STATES.includes(c.state);
  }

  /** Supervisors and admins watch, whisper, barge in and reassign; agents never see any of it. */
  get maySupervise(): boolean {
    return this.me.role === 'supervisor' || this.me.role === 'admin';
  }

  /** A live conversation someone else (or no one) holds, which a supervisor may monitor. */
  isSupervised(c: Conversation): boolean {
    return this.maySupervise && MINE_STATES.includes(c.state) && !this.isMine(c);
  }

  async refreshLists(): Promise<void> {
    this.state.listsLoading = true;
    try {
      const [waiting, mine, active] = await Promise.all([
        api.conversations(this.token, { state: WAITING_STATES.join(','), limit: 100 }),
        api.conversations(this.token, { state: MINE_STATES.join(','), mine: 1, limit: 100 }),
        this.maySupervise ? api.conversations(this.token, { state: MINE_STATES.join(','), limit: 100 }) : null,
      ]);
      this.state.waiting = waiting.conversations.filter((c) => this.isWaiting(c)).sort(waitingOrder);
      this.state.mine = mine.conversations.filter((c) => this.isMine(c)).sort(mineOrder);
      this.state.active = (active?.conversations ?? []).filter((c) => this.isSupervised(c)).sort(mineOrder);
      this.state.listError = null;
      const sel = this.state.selected;
      if (sel) {
        const fresh = this.listed().find((c) => sameId(c.id, sel.id));
        if (fresh) this.upsert(fresh);
      }
    } catch (e) {
      this.state.listError = this.failure(e);
    } finally {
      this.state.listsLoading = false;
    }
  }

  /** Every conversation in one of the lists. */
  private listed(): Conversation[] {
    return [...this.state.mine, ...this.state.waiting, ...this.state.active];
  }

  /** Puts a conversation where it belongs now: waiting, mine, active (supervisors), or none. */
  upsert(c: Conversation): void {
    const key = String(c.id);
    const drop = (list: Conversation[]) => {
      const i = list.findIndex((x) => String(x.id) === key);
      if (i >= 0) list.splice(i, 1);
    };
    drop(this.state.waiting);
    drop(this.state.mine);
    drop(this.state.active);
    if (this.isWaiting(c)) {
      this.state.waiting.push(c);
      this.state.waiting.sort(waitingOrder);
    } else if (this.isMine(c)) {
      this.state.mine.push(c);
      this.state.mine.sort(mineOrder);
    } else if (this.isSupervised(c)) {
      this.state.active.push(c);
      this.state.active.sort(mineOrder);
    }
    const sel = this.state.selected;
    if (sel && String(sel.id) === key) {
      const wasMine = this.isMine(sel);
      this.state.selected = c;
      const thread = this.thread.value;
      if (thread && thread.state.loaded && c.last_seq > thread.state.lastSeq) void this.fetchNewer(thread);
      if (!wasMine && this.isMine(c)) this.syncThread(thread);
    }
  }

  async refreshConversation(id: Id): Promise<void> {
    try {
      this.upsert(await api.conversation(this.token, id));
    } catch (e) {
      this.failure(e);
    }
  }

  // ---------- selection and history ----------

  private threadFor(id: Id): Thread {
    const key = String(id);
    let t = this.threads.get(key);
    if (!t) {
      t = new Thread(id);
      this.threads.set(key, t);
    }
    return t;
  }

  async select(c: Conversation): Promise<void> {
    if (this.state.selected && sameId(this.state.selected.id, c.id)) return;
    this.typing.stop();
    this.customerTyping.clear();
    this.state.selected = c;
    this.state.acceptError = null;
    this.state.historyError = null;
    this.state.events = [];
    this.state.eventsLoaded = false;
    this.state.customer = null;
    this.state.revealError = null;
    delete this.state.unread[String(c.id)];
    const thread = this.threadFor(c.id);
    this.thread.value = thread;
    void this.loadEvents(c.id);
    void this.loadCustomer(c.id);
    // start monitoring before reading the history, so that nothing falls between the two
    const watching = await this.monitorFor(c);
    if (!this.state.selected || !sameId(this.state.selected.id, c.id)) return;
    if (!thread.state.loaded) {
      this.state.historyLoading = true;
      try {
        const page = await api.messages(this.token, c.id, { before_seq: (c.last_seq ?? 0) + 1, limit: 50 });
        thread.addMessages(page.messages);
        thread.state.hasMore = page.has_more;
        thread.state.loaded = true;
      } catch (e) {
        this.state.historyError = this.failure(e);
      } finally {
        this.state.historyLoading = false;
      }
    } else if (watching || c.last_seq > thread.state.lastSeq) {
      // while not monitored nothing arrived live: catch up
      void this.fetchNewer(thread);
    }
  }

  // ---------- supervision ----------

  /**
   * Monitors the conversation when a supervisor opens someone else's live chat, and stops
   * monitoring the previous one. Resolves to whether `c` is monitored now.
   */
  private async monitorFor(c: Conversation): Promise<boolean> {
    const want = this.isSupervised(c) ? String(c.id) : null;
    if (this.state.monitoring === want) return want !== null;
    await this.unmonitor();
    if (!want || this.stopped) return false;
    try {
      await api.monitor(this.token, want, true);
      if (this.stopped || !this.state.selected || String(this.state.selected.id) !== want) {
        void api.monitor(this.token, want, false).catch(() => undefined);
        return false;
      }
      this.state.monitoring = want;
      return true;
    } catch (e) {
      this.notice(this.failure(e));
      return false;
    }
  }

  /** Stops monitoring (best effort: the server forgets it on restart anyway). */
  private async unmonitor(): Promise<void> {
    const id = this.state.monitoring;
    if (!id) return;
    this.state.monitoring = null;
    try {
      await api.monitor(this.token, id, false);
    } catch {
      /* best effort */
    }
  }

  /**
   * Sends a whisper (staff only) or, with `toCustomer`, writes to the customer (barge in) in the
   * selected conversation. Resolves to null on success, else an error code.
   */
  async supervise(text: string, toCustomer: boolean): Promise<string | null> {
    const c = this.state.selected;
    const body = text.trim();
    if (!c || !this.maySupervise || this.state.supSending) return 'conflict';
    if (!body || [...body].length > MAX_TEXT) return 'invalid';
    this.state.supSending = true;
    try {
      const m = toCustomer
        ? await api.postMessage(this.token, c.id, body, uuid())
        : await api.whisper(this.token, c.id, body);
      const thread = this.threads.get(String(c.id));
      if (thread?.state.loaded) thread.addMessages([m]);
      return null;
    } catch (e) {
      return this.failure(e);
    } finally {
      this.state.supSending = false;
    }
  }

  async loadEarlier(): Promise<void> {
    const thread = this.thread.value;
    if (!thread || this.state.loadingMore || !thread.state.hasMore) return;
    this.state.loadingMore = true;
    try {
      const page = await api.messages(this.token, thread.conversationId, { before_seq: thread.state.firstSeq, limit: 50 });
      thread.addMessages(page.messages);
      thread.state.hasMore = page.has_more && page.messages.length > 0;
    } catch (e) {
      this.notice(this.failure(e));
    } finally {
      this.state.loadingMore = false;
    }
  }

  private fetching = new Set<string>();
  /** Fetches messages after the last one we have (for chats we do not receive frames for). */
  private async fetchNewer(thread: Thread): Promise<void> {
    const key = String(thread.conversationId);
    if (this.fetching.has(key)) return;
    this.fetching.add(key);
    try {
      for (let i = 0; i < 10; i++) {
        const page = await api.messages(this.token, thread.conversationId, { after_seq: thread.state.lastSeq, limit: 200 });
        thread.addMessages(page.messages);
        if (!page.has_more || page.messages.length === 0) break;
      }
    } catch (e) {
      this.failure(e);
    } finally {
      this.fetching.delete(key);
    }
  }

  async loadCustomer(id: Id): Promise<void> {
    try {
      const customer = await api.conversationCustomer(this.token, id);
      if (this.state.selected && sameId(this.state.selected.id, id)) this.state.customer = customer;
    } catch {
      // the panel shows the conversation's own customer name
    }
  }

  /** Supervisors and admins may see PII; roles that may not never get the button. */
  get mayReveal(): boolean {
    return this.me.role === 'supervisor' || this.me.role === 'admin';
  }

  /** Shows the selected customer's data and latest messages as written; the server audits the reason. */
  async reveal(reason: string): Promise<boolean> {
    const c = this.state.selected;
    if (!c || this.state.revealing) return false;
    this.state.revealing = true;
    this.state.revealError = null;
    try {
      const r = await api.revealConversation(this.token, c.id, reason);
      if (!this.state.selected || !sameId(this.state.selected.id, c.id)) return false;
      this.state.customer = r.customer;
      this.threadFor(c.id).revealTexts(r.messages);
      return true;
    } catch (e) {
      this.state.revealError = this.failure(e);
      return false;
    } finally {
      this.state.revealing = false;
    }
  }

  async loadEvents(id: Id): Promise<void> {
    try {
      const r = await api.events(this.token, id);
      if (this.state.selected && sameId(this.state.selected.id, id)) {
        // messages are in the chat already: the timeline shows the workflow
        this.state.events = (r.events ?? []).filter((e) => !e.type.startsWith('message'));
        this.state.eventsLoaded = true;
      }
    } catch {
      if (this.state.selected && sameId(this.state.selected.id, id)) this.state.eventsLoaded = true;
    }
  }

  // ---------- actions ----------

  async accept(): Promise<void> {
    const c = this.state.selected;
    if (!c || this.state.accepting) return;
    this.state.accepting = true;
    this.state.acceptError = null;
    try {
      const conv = await api.accept(this.token, c.id);
      this.upsert(conv); // syncs the thread: from now on this socket gets its frames
      void this.loadEvents(conv.id);
    } catch (e) {
      const code = this.failure(e);
      this.state.acceptError = code === 'conflict' ? 'console.chat.taken' : `errors.${code}`;
      await this.refreshConversation(c.id);
    } finally {
      this.state.accepting = false;
    }
  }

  /** The agent's bearer token (attachments are fetched with it). */
  get bearer(): string {
    return this.token;
  }

  /** Sends a file to the selected conversation (the agent must hold it). */
  async attach(file: File): Promise<void> {
    const c = this.state.selected;
    const thread = this.thread.value;
    if (!c || !thread || !this.isMine(c)) return;
    if (file.size > MAX_ATTACHMENT_BYTES) {
      this.notice('too_large_file');
      return;
    }
    try {
      thread.addMessages([await api.uploadAttachment(this.token, c.id, file)]);
    } catch (e) {
      const code = this.failure(e);
      this.notice(code === 'too_large' ? 'too_large_file' : code);
    }
  }

  send(text: string): void {
    const c = this.state.selected;
    const thread = this.thread.value;
    const body = text.trim();
    if (!c || !thread || !this.isMine(c) || !body || [...body].length > MAX_TEXT) return;
    this.typing.stop();
    const it = thread.addPending(body, { type: 'staff', id: this.me.id, name: this.me.name });
    this.transmit(thread, it.client_id!, body);
  }

  retry(clientId: string): void {
    const thread = this.thread.value;
    const it = thread?.items.find((x) => x.client_id === clientId);
    if (!thread || !it) return;
    thread.retry(it);
    this.transmit(thread, clientId, it.text);
  }

  discard(clientId: string): void {
    const thread = this.thread.value;
    const it = thread?.items.find((x) => x.client_id === clientId);
    if (thread && it) thread.discard(it);
  }

  onInput(): void {
    const c = this.state.selected;
    if (c && this.isMine(c)) this.typing.input();
  }

  private sendTyping(typing: boolean): void {
    const c = this.state.selected;
    if (c) this.socket?.send({ type: 'typing', conversation_id: c.id, typing });
  }

  /**
   * Asks the server for a presence. The selector shows what the server answers, not what was
   * asked: until the answer it is disabled, on failure it goes back to the last confirmed value.
   */
  async setPresence(p: Presence): Promise<void> {
    if (this.state.presenceSaving) return;
    this.state.presenceSaving = true;
    try {
      const staff = await api.setStatus(this.token, p);
      const confirmed = asPresence(staff?.status);
      this.state.presence = confirmed;
      if (staff && typeof staff === 'object' && 'id' in staff) setStaff(staff);
      // going online pulls waiting chats of our desk: they arrive as frames, the lists catch up too
      if (confirmed === 'online') void this.refreshLists();
      void this.refreshQueues();
    } catch (e) {
      this.notice(this.failure(e));
    } finally {
      this.state.presenceSaving = false;
    }
  }

  /**
   * Transfers the selected conversation to a desk or to one agent. The reason is shown to the
   * customer, the note only to staff. Resolves to null on success, else an error code.
   */
  async transfer(target: TransferTarget, reason: string, note: string): Promise<string | null> {
    const c = this.state.selected;
    if (!c || this.state.acting) return 'conflict';
    this.state.acting = true;
    try {
      const body = { ...target, reason: reason.trim(), ...(note.trim() ? { note: note.trim() } : {}) };
      const conv = await api.transfer(this.token, c.id, body);
      this.typing.stop();
      this.upsert(conv);
      void this.loadEvents(conv.id);
      void this.refreshQueues();
      if ('desk' in target) this.flash('console.transfer.doneDesk', { desk: target.desk });
      else this.flash('console.transfer.doneAgent', { name: conv.assigned_agent?.name || `#${target.agent_id}` });
      return null;
    } catch (e) {
      const code = this.failure(e);
      if (code === 'conflict' || code === 'forbidden') void this.refreshConversation(c.id);
      return code;
    } finally {
      this.state.acting = false;
    }
  }

  /** Closes the selected conversation with an optional summary (小结); the customer is asked to rate. */
  async close(summary: string): Promise<string | null> {
    const c = this.state.selected;
    if (!c || this.state.acting) return 'conflict';
    this.state.acting = true;
    try {
      const s = summary.trim();
      const conv = await api.close(this.token, c.id, s ? { summary: s } : {});
      this.typing.stop();
      this.upsert(conv);
      void this.loadEvents(conv.id);
      void this.refreshQueues();
      this.flash('console.close.done');
      return null;
    } catch (e) {
      const code = this.failure(e);
      if (code === 'conflict' || code === 'forbidden') void this.refreshConversation(c.id);
      return code;
    } finally {
      this.state.acting = false;
    }
  }

  /**
   * 转工单: opens a ticket from the selected conversation (customer, desk, subject and description
   * come from it) and asks the tickets view to show it. Resolves to null on success, else an
   * error code.
   */
  async ticketFromChat(): Promise<string | null> {
    const c = this.state.selected;
    if (!c || this.state.ticketing) return 'conflict';
    this.state.ticketing = true;
    try {
      const ticket = await api.ticketFromConversation(this.token, c.id);
      this.flash('console.tickets.createdFlash', { n: String(ticket.id) });
      this.state.openTicket = String(ticket.id);
      return null;
    } catch (e) {
      const code = this.failure(e);
      this.notice(code);
      return code;
    } finally {
      this.state.ticketing = false;
    }
  }

  /** The customer's five most recently updated tickets (staff see them masked). */
  async customerTickets(customerId: Id): Promise<Ticket[]> {
    try {
      return (await api.tickets(this.token, { customer_id: String(customerId), limit: 5 })).tickets ?? [];
    } catch (e) {
      this.failure(e);
      throw e;
    }
  }

  /** A conversation of this console's lists (waiting, mine, active), or null. */
  findListed(id: Id): Conversation | null {
    return this.listed().find((c) => sameId(c.id, id)) ?? null;
  }

  // ---------- socket ----------

  private transmit(thread: Thread, clientId: string, text: string): void {
    if (this.socket?.send({ type: 'message.send', conversation_id: thread.conversationId, client_id: clientId, text }))
      this.lastSent.set(clientId, Date.now());
  }

  private resendStale(): void {
    if (!this.socket?.isOpen) return;
    const now = Date.now();
    for (const thread of this.threads.values())
      for (const it of thread.pending()) {
        const at = this.lastSent.get(it.client_id!);
        if (at === undefined || now - at > RESEND_AFTER_MS) this.transmit(thread, it.client_id!, it.text);
      }
  }

  private syncThread(thread: Thread | null): void {
    if (thread && thread.state.loaded)
      this.socket?.send({ type: 'sync', conversation_id: thread.conversationId, after_seq: thread.state.lastSeq });
  }

  private onOpen(): void {
    this.opens++;
    if (this.opens > 1) {
      // frames missed while disconnected: re-read lists, queues and our presence
      void this.refreshLists();
      void this.refreshQueues();
      void this.refreshMe();
      // monitoring lives in the server's memory: ask again in case it restarted
      if (this.state.monitoring) void api.monitor(this.token, this.state.monitoring, true).catch(() => undefined);
    }
    this.lastSent.clear();
    const mineIds = new Set(this.state.mine.map((c) => String(c.id)));
    for (const [key, thread] of this.threads) {
      if (mineIds.has(key)) this.syncThread(thread);
      else if (thread === this.thread.value && thread.state.loaded) void this.fetchNewer(thread);
      for (const it of thread.pending()) this.transmit(thread, it.client_id!, it.text);
    }
  }

  private threadOf(clientId: string): Thread | null {
    for (const t of this.threads.values()) if (t.has(clientId)) return t;
    return null;
  }

  private onMessage(m: Message): void {
    const key = String(m.conversation_id);
    const thread = this.threads.get(key);
    let isNew = true;
    if (thread && thread.state.loaded) {
      const gap = thread.state.lastSeq > 0 && m.seq > thread.state.lastSeq + 1;
      isNew = thread.addMessages([m]);
      if (gap) this.syncThread(thread);
    }
    const selected = this.state.selected && sameId(this.state.selected.id, m.conversation_id);
    if (m.sender.type === 'customer' && selected) this.customerTyping.clear();
    const conv = this.listed().find((c) => String(c.id) === key);
    if (conv) {
      // whispers are not the conversation's preview (the server leaves them out too)
      const whisper = m.kind === 'whisper';
      this.upsert({
        ...conv,
        last_seq: Math.max(conv.last_seq, m.seq),
        last_message_at: whisper ? conv.last_message_at : m.created_at,
        last_message_preview: whisper ? conv.last_message_preview : m.text.slice(0, 120),
      });
    } else {
      void this.refreshConversation(m.conversation_id);
    }
    if (isNew && !selected && m.sender.type !== 'staff') this.state.unread[key] = (this.state.unread[key] ?? 0) + 1;
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'hello':
        break;
      case 'ack': {
        const thread = this.threadOf(f.client_id);
        this.lastSent.delete(f.client_id);
        if (!thread?.ack(f.client_id, f.message_id, f.seq)) break;
        const it = thread.items.find((x) => x.client_id === f.client_id);
        const conv = this.state.mine.find((c) => sameId(c.id, thread.conversationId));
        if (it && conv)
          this.upsert({
            ...conv,
            last_seq: Math.max(conv.last_seq, f.seq ?? 0),
            last_message_at: new Date().toISOString(),
            last_message_preview: it.text.slice(0, 120),
          });
        break;
      }
      case 'message.created':
        if (f.message) this.onMessage(f.message);
        break;
      case 'typing': {
        const sel = this.state.selected;
        if (sel && sameId(sel.id, f.conversation_id) && f.sender?.type === 'customer') this.customerTyping.set(!!f.typing);
        break;
      }
      case 'conversation.updated':
        if (f.conversation) {
          this.upsert(f.conversation);
          if (this.state.selected && sameId(this.state.selected.id, f.conversation.id)) void this.loadEvents(f.conversation.id);
        }
        this.queuesChanged();
        break;
      case 'conversation.gone': {
        // it left this console's desk scope (docs/adr/0019): out of the lists
        for (const list of [this.state.waiting, this.state.mine, this.state.active]) {
          const i = list.findIndex((c) => sameId(c.id, f.conversation_id));
          if (i >= 0) list.splice(i, 1);
        }
        this.queuesChanged();
        break;
      }
      case 'conversation.assigned': {
        if (!sameId(f.agent?.id, this.me.id)) {
          // taken by someone else: out of the waiting list at once, then the real state
          const i = this.state.waiting.findIndex((c) => sameId(c.id, f.conversation_id));
          if (i >= 0) this.state.waiting.splice(i, 1);
          // a supervisor sees it again, in Active, once the real state is read
        }
        void this.refreshConversation(f.conversation_id).then(() => {
          if (this.state.selected && sameId(this.state.selected.id, f.conversation_id)) void this.loadEvents(f.conversation_id);
        });
        break;
      }
      case 'error': {
        if (f.client_id) {
          const thread = this.threadOf(f.client_id);
          if (thread?.fail(f.client_id, f.code) && (f.code === 'rate_limited' || f.code === 'unavailable'))
            this.lastSent.set(f.client_id, Date.now() - RESEND_AFTER_MS + 3000);
        }
        this.notice(f.code);
        break;
      }
      case 'sla.warning':
      case 'sla.breached':
        // the tickets view listens (it may not be mounted); everyone in scope is told
        window.dispatchEvent(new CustomEvent('kefu:sla', { detail: f }));
        this.flash(
          f.type === 'sla.breached' ? 'console.tickets.sla.breachedFlash' : 'console.tickets.sla.warningFlash',
          { n: String(f.ticket_id) },
          'warn',
        );
        break;
      case 'complaint.created':
      case 'complaint.updated':
      case 'complaint.review_overdue':
      case 'compensation.proposed':
      case 'compensation.decided':
        // the complaints view listens (it may not be mounted); overdue reviews also get a notice
        window.dispatchEvent(new CustomEvent('kefu:complaint', { detail: f }));
        if (f.type === 'complaint.review_overdue' && f.complaint)
          this.flash('console.complaints.overdueFlash', { n: String(f.complaint.id) });
        break;
      default:
        break;
    }
  }
}
