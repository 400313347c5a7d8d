import { reactive, shallowRef } from 'vue';
import { api, ApiError } from '../shared/api';
import { currentLang, kbAskLang, serverLang } from '../shared/i18n';
import { KefuSocket, type SocketStatus } from '../shared/socket';
import { Thread, type OutboxEntry } from '../shared/thread';
import { TypingSender, TypingWatcher } from '../shared/typing';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_TEXT,
  sameId,
  type Conversation,
  type ConversationState,
  type Id,
  type KbSuggestion,
  type ServerFrame,
  type WidgetSession,
} from '../shared/types';
import { storageGet, storageSet } from '../shared/util';

const SESSION_KEY = 'kefu.widget.session';
const OUTBOX_KEY = 'kefu.widget.outbox';
const OPEN_KEY = 'kefu.widget.open';
const CSAT_KEY = 'kefu.widget.csat';
const FEEDBACK_KEY = 'kefu.widget.feedback';
const RESEND_AFTER_MS = 8000;
/** No answer to csat.submit after this long: let the customer try again. */
const CSAT_TIMEOUT_MS = 10_000;

export type Phase = 'idle' | 'starting' | 'ready' | 'failed';
/** none: nothing asked; asked: card shown; sending: waiting for csat.recorded; done: thanked; already: rated before. */
export type CsatStatus = 'none' | 'asked' | 'sending' | 'done' | 'already';

export interface QueueState {
  /** 1-based place in the queue, null when not known yet (e.g. after a reload). */
  position: number | null;
  eta: number | null;
  desk: string | null;
  /** Agents of the desk online now; 0: nobody can answer, offer to leave a message. */
  agentsOnline: number | null;
}

/** 👍/👎 on one bot answer: in flight, given (yes/no), or failed (may be tried again). */
export type FeedbackStatus = 'sending' | 'yes' | 'no' | 'failed';

/** The votes given in one conversation, kept across reloads so the buttons stay disabled. */
interface StoredFeedback {
  conversation_id: Id;
  votes: Record<string, 'yes' | 'no'>;
}

function loadFeedback(conversationId: Id): Record<string, FeedbackStatus> {
  const raw = storageGet(localStorage, FEEDBACK_KEY);
  if (!raw) return {};
  try {
    const f = JSON.parse(raw) as StoredFeedback;
    if (f && sameId(f.conversation_id, conversationId) && f.votes && typeof f.votes === 'object') return { ...f.votes };
  } catch {
    /* ignore */
  }
  return {};
}

/** The rating asked for one conversation, kept across reloads. */
interface StoredCsat {
  conversation_id: Id;
  status: 'asked' | 'done';
}

function loadCsat(conversationId: Id): StoredCsat['status'] | null {
  const raw = storageGet(localStorage, CSAT_KEY);
  if (!raw) return null;
  try {
    const c = JSON.parse(raw) as StoredCsat;
    if (c && sameId(c.conversation_id, conversationId) && (c.status === 'asked' || c.status === 'done')) return c.status;
  } catch {
    /* ignore */
  }
  return null;
}

function loadSession(): WidgetSession | null {
  const raw = storageGet(localStorage, SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as WidgetSession;
    if (s && typeof s.token === 'string' && s.conversation_id !== undefined) return s;
  } catch {
    /* ignore */
  }
  return null;
}

/**
 * The customer side of one conversation: widget session, history, WebSocket, outbox.
 * Everything the template needs is in `state` (reactive) and `thread`.
 */
export class WidgetChat {
  readonly state = reactive({
    open: storageGet(sessionStorage, OPEN_KEY) === '1',
    phase: 'idle' as Phase,
    conn: 'idle' as SocketStatus,
    online: navigator.onLine,
    unread: 0,
    agentName: null as string | null,
    /** State of the conversation as far as the customer knows (bot, queued, active, …). */
    convState: null as ConversationState | null,
    /** Handoff request to a human in flight. */
    handingOff: false,
    queue: null as QueueState | null,
    /** The customer left a message while nobody was online (shown as confirmed). */
    leftMessage: false,
    /** The ticket the left message became, once the server said. */
    leftTicket: null as Id | null,
    /** The customer chose to keep waiting rather than leave a message. */
    leaveDismissed: false,
    /** The complaint form: closed, open, sending; the complaint's number once filed. */
    complaint: 'closed' as 'closed' | 'open' | 'sending',
    complaintFiled: null as Id | null,
    csat: 'none' as CsatStatus,
    /** Error code of the last failed rating attempt, shown in the rating card. */
    csatError: null as string | null,
    /** Error code of the last error frame, shown politely for a few seconds. */
    notice: null as string | null,
    loadingMore: false,
    /** 猜你想问: published questions in the widget's language, offered under the greeting. */
    suggestions: [] as KbSuggestion[],
    /** Feedback on bot answers by message id. */
    feedback: {} as Record<string, FeedbackStatus>,
  });
  readonly thread = shallowRef<Thread | null>(null);
  readonly agentTyping = new TypingWatcher();
  private session: WidgetSession | null = loadSession();
  /** A visitor id to resume with at the next session request (set when the token expired). */
  private resumeVisitor: string | null = null;
  private socket: KefuSocket | null = null;
  private readonly typing = new TypingSender((typing) => this.sendTyping(typing));
  private readonly lastSent = new Map<string, number>();
  private resendTimer: ReturnType<typeof setInterval> | null = null;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;
  private csatTimer: ReturnType<typeof setTimeout> | null = null;
  private starting: Promise<void> | null = null;
  private opens = 0;

  constructor() {
    window.addEventListener('online', () => (this.state.online = true));
    window.addEventListener('offline', () => (this.state.online = false));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.state.open) this.state.unread = 0;
    });
  }

  /** A conversation from an earlier visit exists: reconnect at once so replies raise the badge. */
  get hasSession(): boolean {
    return this.session !== null;
  }

  get customerId() {
    return this.session?.customer_id ?? null;
  }

  setOpen(open: boolean): void {
    this.state.open = open;
    storageSet(sessionStorage, OPEN_KEY, open ? '1' : null);
    if (open) {
      this.state.unread = 0;
      void this.start();
    } else {
      this.typing.stop();
    }
  }

  /** Creates or resumes the session, loads history, connects. Idempotent. */
  start(): Promise<void> {
    if (this.state.phase === 'ready') return Promise.resolve();
    if (!this.starting) {
      this.starting = this.doStart().finally(() => (this.starting = null));
    }
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.state.phase = 'starting';
    try {
      for (let attempt = 0; ; attempt++) {
        if (!this.session) {
          // After an expired token the visitor id resumes the same customer and conversation.
          const visitor = this.resumeVisitor ?? undefined;
          this.resumeVisitor = null;
          const s = await api.widgetSession({ lang: serverLang(currentLang()), visitor_id: visitor });
          this.session = s;
          storageSet(localStorage, SESSION_KEY, JSON.stringify(s));
          storageSet(localStorage, OUTBOX_KEY, null);
        }
        try {
          await this.loadConversation();
          break;
        } catch (e) {
          // A stored session the server no longer knows: start a new conversation once.
          if (attempt === 0 && e instanceof ApiError && [401, 403, 404].includes(e.status)) {
            if (e.status === 401) this.resumeVisitor = this.session?.visitor_id ?? null;
            this.forgetSession();
            continue;
          }
          throw e;
        }
      }
      this.restoreOutbox();
      this.state.feedback = loadFeedback(this.session!.conversation_id);
      this.connect();
      this.state.phase = 'ready';
      void this.loadSuggestions();
    } catch {
      this.state.phase = 'failed';
    }
  }

  private forgetSession(): void {
    this.session = null;
    storageSet(localStorage, SESSION_KEY, null);
    storageSet(localStorage, OUTBOX_KEY, null);
    storageSet(localStorage, CSAT_KEY, null);
    this.thread.value = null;
    this.state.convState = null;
    this.state.agentName = null;
    this.state.queue = null;
    this.state.csat = 'none';
    this.state.csatError = null;
    this.state.leftMessage = false;
    this.state.leftTicket = null;
    this.state.leaveDismissed = false;
    this.state.feedback = {};
    storageSet(localStorage, FEEDBACK_KEY, null);
  }

  /** Takes the conversation's state from the server (load, reconnect, failed handoff). */
  private applyConversation(conv: Conversation): void {
    const st = this.state;
    st.convState = conv.state;
    st.agentName = conv.assigned_agent && ['active', 'pending'].includes(conv.state) ? conv.assigned_agent.name : null;
    if (conv.state === 'queued') {
      // Positions arrive as queue.position frames; until then we only know we wait.
      if (!st.queue) st.queue = { position: null, eta: null, desk: conv.desk, agentsOnline: null };
    } else {
      st.queue = null;
      st.leftMessage = false;
      st.leaveDismissed = false;
    }
    if (conv.state === 'closed' || conv.state === 'resolved') {
      // Asked before the reload and not answered yet: ask again. An unknown closed chat is offered
      // the card too; the server answers conflict if it was rated already.
      const stored = loadCsat(conv.id);
      if (stored !== 'done' && (st.csat === 'none' || st.csat === 'asked')) this.setCsat('asked');
    } else if (st.csat === 'asked') {
      st.csat = 'none'; // reopened: the card belongs to the ended conversation
    }
  }

  private async loadConversation(): Promise<void> {
    const s = this.session!;
    const conv = await api.conversation(s.token, s.conversation_id);
    this.applyConversation(conv);
    const thread = new Thread(s.conversation_id, (entries) => this.saveOutbox(entries));
    const page = await api.messages(s.token, s.conversation_id, { before_seq: (conv.last_seq ?? 0) + 1, limit: 50 });
    thread.addMessages(page.messages);
    thread.state.hasMore = page.has_more;
    thread.state.loaded = true;
    this.thread.value = thread;
  }

  async loadEarlier(): Promise<void> {
    const thread = this.thread.value;
    const s = this.session;
    if (!thread || !s || this.state.loadingMore || !thread.state.hasMore) return;
    this.state.loadingMore = true;
    try {
      const page = await api.messages(s.token, s.conversation_id, { before_seq: thread.state.firstSeq, limit: 50 });
      thread.addMessages(page.messages);
      thread.state.hasMore = page.has_more && page.messages.length > 0;
    } catch (e) {
      this.showNotice(e instanceof ApiError ? e.code : 'generic');
    } finally {
      this.state.loadingMore = false;
    }
  }

  private restoreOutbox(): void {
    const thread = this.thread.value;
    if (!thread) return;
    const raw = storageGet(localStorage, OUTBOX_KEY);
    if (!raw) return;
    try {
      const entries = JSON.parse(raw) as OutboxEntry[];
      for (const e of entries) if (e && e.client_id && typeof e.text === 'string') thread.addPending(e.text, this.me(), e);
    } catch {
      storageSet(localStorage, OUTBOX_KEY, null);
    }
  }

  private saveOutbox(entries: OutboxEntry[]): void {
    storageSet(localStorage, OUTBOX_KEY, entries.length ? JSON.stringify(entries) : null);
  }

  private me() {
    return { type: 'customer' as const, id: this.session?.customer_id ?? null, name: null };
  }

  private connect(): void {
    if (this.socket) return;
    this.socket = new KefuSocket({
      token: () => this.session?.token ?? null,
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => (this.state.conn = s),
      onOpen: () => this.onOpen(),
      checkAuth: async () => {
        const s = this.session;
        if (!s) return false;
        try {
          await api.conversation(s.token, s.conversation_id);
          return true;
        } catch (e) {
          return !(e instanceof ApiError && (e.status === 401 || e.status === 403));
        }
      },
      onAuthFailed: () => {
        // The customer token is gone (expired or revoked): resume with the visitor id, if any.
        this.socket = null;
        this.resumeVisitor = this.session?.visitor_id ?? null;
        this.forgetSession();
        this.state.phase = 'idle';
        if (this.state.open) void this.start();
      },
    });
    this.socket.start();
    if (!this.resendTimer) this.resendTimer = setInterval(() => this.resendStale(), 2000);
  }

  private onOpen(): void {
    const thread = this.thread.value;
    if (!thread || !this.socket) return;
    // Frames sent while we were away (assignment, transfer, close) are not replayed: re-read the state.
    if (++this.opens > 1) void this.refreshConversation();
    this.socket.send({ type: 'sync', conversation_id: thread.conversationId, after_seq: thread.state.lastSeq });
    this.lastSent.clear();
    for (const it of thread.pending()) this.transmit(it.client_id!, it.text);
  }

  private transmit(clientId: string, text: string): void {
    const thread = this.thread.value;
    if (!thread || !this.socket) return;
    if (this.socket.send({ type: 'message.send', conversation_id: thread.conversationId, client_id: clientId, text })) {
      this.lastSent.set(clientId, Date.now());
    }
  }

  /** Resends messages whose ack is overdue on a live connection (the server dedupes by client_id). */
  private resendStale(): void {
    const thread = this.thread.value;
    if (!thread || !this.socket?.isOpen) return;
    const now = Date.now();
    for (const it of thread.pending()) {
      const at = this.lastSent.get(it.client_id!);
      if (at === undefined || now - at > RESEND_AFTER_MS) this.transmit(it.client_id!, it.text);
    }
  }

  /** The customer's bearer token (attachments are fetched with it); null before a session. */
  get token(): string | null {
    return this.session?.token ?? null;
  }

  /** Sends a file; it shows up as the server's attachment message. */
  async attach(file: File): Promise<void> {
    const s = this.session;
    const thread = this.thread.value;
    if (!s || !thread) return;
    if (file.size > MAX_ATTACHMENT_BYTES) {
      this.showNotice('too_large_file');
      return;
    }
    try {
      thread.addMessages([await api.uploadAttachment(s.token, s.conversation_id, file)]);
    } catch (e) {
      const code = e instanceof ApiError ? e.code : 'generic';
      this.showNotice(code === 'too_large' ? 'too_large_file' : code);
    }
  }

  send(text: string): void {
    const thread = this.thread.value;
    if (!thread) return;
    const body = text.trim();
    if (!body || [...body].length > MAX_TEXT) return;
    this.typing.stop();
    const it = thread.addPending(body, this.me());
    this.transmit(it.client_id!, body);
  }

  retry(clientId: string): void {
    const thread = this.thread.value;
    const it = thread?.items.find((x) => x.client_id === clientId);
    if (!thread || !it) return;
    thread.retry(it);
    this.transmit(clientId, it.text);
  }

  discard(clientId: string): void {
    const thread = this.thread.value;
    const it = thread?.items.find((x) => x.client_id === clientId);
    if (thread && it) thread.discard(it);
  }

  onInput(): void {
    this.typing.input();
  }

  private sendTyping(typing: boolean): void {
    const thread = this.thread.value;
    if (thread) this.socket?.send({ type: 'typing', conversation_id: thread.conversationId, typing });
  }

  private async refreshConversation(): Promise<void> {
    const s = this.session;
    if (!s) return;
    try {
      this.applyConversation(await api.conversation(s.token, s.conversation_id));
    } catch {
      /* the socket's checkAuth handles a lost session */
    }
  }

  /** Loads 猜你想问 in the widget's language (again after a language switch). Best effort. */
  async loadSuggestions(): Promise<void> {
    const lang = kbAskLang(currentLang());
    try {
      const r = await api.kbSuggestions(lang, 6);
      if (kbAskLang(currentLang()) === lang) this.state.suggestions = r.suggestions ?? [];
    } catch {
      this.state.suggestions = [];
    }
  }

  /** A suggestion chip: sent as the customer's own message, the bot answers it. */
  sendSuggestion(s: KbSuggestion): void {
    this.send(s.question);
  }

  /** 👍/👎 under a bot answer; one vote per answer. */
  async giveFeedback(messageId: Id, helpful: boolean): Promise<void> {
    const s = this.session;
    const key = String(messageId);
    const cur = this.state.feedback[key];
    if (!s || cur === 'sending' || cur === 'yes' || cur === 'no') return;
    this.state.feedback[key] = 'sending';
    try {
      await api.feedback(s.token, s.conversation_id, { message_id: messageId, helpful });
      this.state.feedback[key] = helpful ? 'yes' : 'no';
      const votes: Record<string, 'yes' | 'no'> = {};
      for (const [k, v] of Object.entries(this.state.feedback)) if (v === 'yes' || v === 'no') votes[k] = v;
      storageSet(localStorage, FEEDBACK_KEY, JSON.stringify({ conversation_id: s.conversation_id, votes }));
    } catch (e) {
      this.state.feedback[key] = 'failed';
      this.showNotice(e instanceof ApiError ? e.code : 'generic');
    }
  }

  /** Asks for a human agent: the conversation leaves the bot and joins the queue. */
  async requestHuman(): Promise<void> {
    const s = this.session;
    const st = this.state;
    if (!s || st.handingOff || st.convState !== 'bot') return;
    st.handingOff = true;
    try {
      const conv = await api.handoff(s.token, s.conversation_id);
      // Frames may have overtaken the answer (an agent took it at once): only move forward.
      if (st.convState === 'bot') this.applyConversation(conv);
    } catch (e) {
      const code = e instanceof ApiError ? e.code : 'generic';
      if (code === 'conflict') await this.refreshConversation(); // queued or taken meanwhile
      else this.showNotice(code);
    } finally {
      st.handingOff = false;
    }
  }

  /**
   * After the conversation ended: a new question starts a new conversation (a new widget
   * session), so it reaches the team instead of sitting in the ended one.
   */
  startOver(): Promise<void> {
    this.typing.stop();
    this.socket?.stop();
    this.socket = null;
    this.opens = 0;
    this.agentTyping.clear();
    if (this.csatTimer) clearTimeout(this.csatTimer);
    this.csatTimer = null;
    this.forgetSession();
    this.state.phase = 'idle';
    return this.start();
  }

  /**
   * Nobody online (or outside business hours): the message goes into the conversation like any
   * other (same client_id over the socket and REST, so it is stored once) and becomes a ticket
   * whose number the bot confirms.
   */
  leaveMessage(text: string): boolean {
    const body = text.trim();
    const thread = this.thread.value;
    const s = this.session;
    if (!body || [...body].length > MAX_TEXT || !thread || !s) return false;
    this.typing.stop();
    const it = thread.addPending(body, this.me());
    this.transmit(it.client_id!, body);
    this.state.leftMessage = true;
    api
      .leaveMessage(s.token, s.conversation_id, { text: body, client_id: it.client_id! })
      .then((r) => {
        this.state.leftTicket = r.ticket_id;
      })
      .catch((e) => this.showNotice(e instanceof ApiError ? e.code : 'generic'));
    return true;
  }

  /**
   * The complaint button (投诉): files a complaint about this conversation, with the browser's
   * time zone so that the acknowledgement (which arrives as a message) tells the review deadline
   * in local time. A complaint still being handled answers conflict: shown as a notice.
   */
  async fileComplaint(text: string, category: string): Promise<boolean> {
    const body = text.trim();
    const s = this.session;
    const st = this.state;
    if (!body || [...body].length > MAX_TEXT || !s || st.complaint === 'sending') return false;
    st.complaint = 'sending';
    let zone: string | undefined;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
    } catch {
      zone = undefined;
    }
    try {
      const c = await api.fileComplaint(s.token, {
        conversation_id: s.conversation_id,
        description: body,
        category: category || undefined,
        time_zone: zone,
      });
      st.complaintFiled = c.id;
      st.complaint = 'closed';
      return true;
    } catch (e) {
      st.complaint = 'open';
      const code = e instanceof ApiError ? e.code : 'generic';
      this.showNotice(code === 'conflict' ? 'complaint_open' : code);
      return false;
    }
  }

  openComplaint(open: boolean): void {
    if (this.state.complaint !== 'sending') this.state.complaint = open ? 'open' : 'closed';
    if (open) this.state.complaintFiled = null;
  }

  dismissLeaveMessage(): void {
    this.state.leaveDismissed = true;
  }

  private setCsat(status: CsatStatus): void {
    this.state.csat = status;
    const id = this.session?.conversation_id;
    if (id === undefined) return;
    if (status === 'asked') storageSet(localStorage, CSAT_KEY, JSON.stringify({ conversation_id: id, status: 'asked' }));
    else if (status === 'done' || status === 'already')
      storageSet(localStorage, CSAT_KEY, JSON.stringify({ conversation_id: id, status: 'done' }));
  }

  submitCsat(score: number, comment: string): void {
    const thread = this.thread.value;
    if (!thread || !this.socket || this.state.csat === 'sending') return;
    if (!Number.isInteger(score) || score < 1 || score > 5) return;
    this.state.csatError = null;
    this.state.csat = 'sending';
    if (!this.socket.send({ type: 'csat.submit', conversation_id: thread.conversationId, score, comment })) {
      this.csatFailed('network');
      return;
    }
    if (this.csatTimer) clearTimeout(this.csatTimer);
    this.csatTimer = setTimeout(() => {
      if (this.state.csat === 'sending') this.csatFailed('network');
    }, CSAT_TIMEOUT_MS);
  }

  private csatFailed(code: string): void {
    if (this.csatTimer) clearTimeout(this.csatTimer);
    this.csatTimer = null;
    if (code === 'conflict') {
      // rated already (another tab, or before a reload): nothing to fix, thank them anyway
      this.setCsat('already');
      this.state.csatError = null;
      return;
    }
    this.state.csat = 'asked';
    this.state.csatError = code;
  }

  private showNotice(code: string): void {
    this.state.notice = code;
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (this.state.notice = null), 6000);
  }

  private onFrame(f: ServerFrame): void {
    const thread = this.thread.value;
    if (!thread) return;
    const mineConv = (id: unknown) => sameId(id as never, thread.conversationId);
    switch (f.type) {
      case 'hello':
        break;
      case 'ack':
        thread.ack(f.client_id, f.message_id, f.seq);
        this.lastSent.delete(f.client_id);
        break;
      case 'message.created': {
        const m = f.message;
        if (!m || !mineConv(m.conversation_id)) break;
        const gap = m.seq > thread.state.lastSeq + 1 && thread.state.lastSeq > 0;
        const isNew = thread.addMessages([m]);
        if (gap) this.socket?.send({ type: 'sync', conversation_id: thread.conversationId, after_seq: thread.state.lastSeq });
        if (m.sender.type === 'staff') this.agentTyping.clear();
        if (isNew && m.sender.type !== 'customer' && (!this.state.open || document.visibilityState !== 'visible'))
          this.state.unread++;
        break;
      }
      case 'sync.done':
        break;
      case 'typing':
        if (mineConv(f.conversation_id) && f.sender?.type !== 'customer') this.agentTyping.set(!!f.typing);
        break;
      case 'conversation.assigned':
        if (!mineConv(f.conversation_id)) break;
        this.state.agentName = f.agent?.name ?? null;
        this.state.convState = 'active';
        this.state.queue = null;
        this.state.leftMessage = false;
        this.state.leaveDismissed = false;
        thread.addNote('widget.assigned', { name: f.agent?.name ?? '' });
        break;
      case 'conversation.transferred': {
        if (!mineConv(f.conversation_id)) break;
        this.state.agentName = null;
        this.agentTyping.clear();
        const reason = (f.reason ?? '').trim();
        if (f.agent) {
          // another agent takes over at once (conversation.assigned follows)
          this.state.convState = 'active';
          const name = f.agent.name || '';
          if (reason) thread.addNote('widget.transfer.toAgentReason', { name, reason });
          else thread.addNote('widget.transfer.toAgent', { name });
        } else {
          this.state.convState = 'queued';
          this.state.queue = { position: null, eta: null, desk: f.desk ?? null, agentsOnline: null };
          this.state.leftMessage = false;
          this.state.leaveDismissed = false;
          if (reason) thread.addNote('widget.transfer.toDeskReason', { reason });
          else thread.addNote('widget.transfer.toDesk');
        }
        break;
      }
      case 'queue.position': {
        if (!mineConv(f.conversation_id)) break;
        const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
        this.state.convState = 'queued';
        this.state.agentName = null;
        this.state.queue = {
          position: num(f.position),
          eta: num(f.eta_seconds),
          desk: f.desk ?? this.state.queue?.desk ?? null,
          agentsOnline: num(f.agents_online),
        };
        break;
      }
      case 'csat.request':
        if (!mineConv(f.conversation_id)) break;
        this.state.convState = 'closed';
        this.state.agentName = null;
        this.state.queue = null;
        this.agentTyping.clear();
        thread.addNote('widget.ended');
        if (this.state.csat !== 'done' && this.state.csat !== 'already') this.setCsat('asked');
        break;
      case 'csat.recorded':
        if (f.conversation_id !== undefined && !mineConv(f.conversation_id)) break;
        if (this.csatTimer) clearTimeout(this.csatTimer);
        this.csatTimer = null;
        this.state.csatError = null;
        this.setCsat('done');
        break;
      case 'conversation.updated':
        break;
      case 'error': {
        if (f.client_id && thread.fail(f.client_id, f.code)) {
          this.lastSent.delete(f.client_id);
          if (f.code === 'rate_limited' || f.code === 'unavailable') {
            // retried by resendStale once the backoff passes
            this.lastSent.set(f.client_id, Date.now() - RESEND_AFTER_MS + 3000);
          }
        }
        if (!f.client_id && this.state.csat === 'sending') {
          // the answer to csat.submit (error frames about a rating carry no client_id)
          this.csatFailed(f.code);
          break;
        }
        this.showNotice(f.code);
        break;
      }
    }
  }
}
