import type {
  Complaint,
  Compensation,
  Conversation,
  ConversationPage,
  ConvEvent,
  CustomerProfile,
  Id,
  KbArticle,
  KbSearchResult,
  KbSuggestion,
  KbVersion,
  LoginAnswer,
  Message,
  MessagePage,
  Presence,
  QueueInfo,
  SlaBreach,
  Staff,
  CannedReply,
  Ticket,
  TicketAttachment,
  TicketNote,
  TicketSla,
  WidgetSession,
} from './types';

/** An HTTP error answer: `{"error":{"code","message"}}` or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a 429's Retry-After header, when the server sent one. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export async function request<T>(
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; raw?: Blob; query?: Query; signal?: AbortSignal; keepalive?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: string | Blob | undefined;
  if (opts.raw !== undefined) {
    // A file as the body; the server decides its type from its bytes, whatever this says.
    headers['Content-Type'] = opts.raw.type || 'application/octet-stream';
    body = opts.raw;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method,
      headers,
      body,
      signal: opts.signal,
      keepalive: opts.keepalive,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    const retry = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
    throw new ApiError(
      res.status,
      err?.code ?? statusCode(res.status),
      err?.message ?? res.statusText,
      Number.isFinite(retry) ? retry : undefined,
    );
  }
  return data as T;
}

function statusCode(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return 'internal';
  }
}

const enc = (id: Id) => encodeURIComponent(String(id));

/** A file the server serves only with the bearer token (attachments), as a Blob. */
export async function fetchBlob(url: string, token: string): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) throw new ApiError(res.status, statusCode(res.status), res.statusText);
  return res.blob();
}

export const api = {
  /** Sends a file into a conversation; answers the message of kind 'attachment' that carries it. */
  uploadAttachment: (token: string, conversationId: Id, file: File) =>
    request<Message>('POST', `/api/v1/conversations/${enc(conversationId)}/attachments`, {
      token,
      raw: file,
      query: { name: file.name },
    }),
  login: (email: string, password: string, totp?: string) =>
    request<LoginAnswer>('POST', '/api/v1/auth/login', {
      body: totp ? { email, password, totp } : { email, password },
    }),
  me: (token: string) => request<Staff>('GET', '/api/v1/staff/me', { token }),
  /** Supervisors and admins: every staff member. */
  staffList: (token: string) => request<{ staff: Staff[] }>('GET', '/api/v1/staff', { token }),
  /** Sets the caller's presence; answers the Staff as stored (its `status` is what counts). */
  setStatus: (token: string, status: Presence) =>
    request<Staff>('POST', '/api/v1/staff/me/status', { token, body: { status } }),
  widgetSession: (body: { name?: string; lang?: string; visitor_id?: string }) =>
    request<WidgetSession>('POST', '/api/v1/widget/sessions', { body }),
  conversations: (token: string, query: { state?: string; mine?: 1; limit?: number; cursor?: string }) =>
    request<ConversationPage>('GET', '/api/v1/conversations', { token, query }),
  conversation: (token: string, id: Id) =>
    request<Conversation>('GET', `/api/v1/conversations/${enc(id)}`, { token }),
  messages: (token: string, id: Id, query: { before_seq?: number; after_seq?: number; limit?: number }) =>
    request<MessagePage>('GET', `/api/v1/conversations/${enc(id)}/messages`, { token, query }),
  /** The conversation's customer with identities, PII masked. */
  conversationCustomer: (token: string, id: Id) =>
    request<CustomerProfile>('GET', `/api/v1/conversations/${enc(id)}/customer`, { token }),
  /** Supervisors and admins: the customer and the latest messages as written (audited with the reason). */
  revealConversation: (token: string, id: Id, reason: string) =>
    request<{ customer: CustomerProfile; messages: Message[]; has_more: boolean }>(
      'POST',
      `/api/v1/conversations/${enc(id)}/reveal`,
      { token, body: { reason } },
    ),
  /** Supervisors and admins: every message.created of the conversation reaches our consoles too (or stops). */
  monitor: (token: string, id: Id, on: boolean, keepalive = false) =>
    request<{ monitoring: boolean }>('POST', `/api/v1/conversations/${enc(id)}/monitor`, { token, body: { on }, keepalive }),
  /** A message to the staff on the conversation only (kind `whisper`); the customer never gets it. */
  whisper: (token: string, id: Id, text: string) =>
    request<Message>('POST', `/api/v1/conversations/${enc(id)}/whisper`, { token, body: { text } }),
  /** Writes to the customer over REST (a supervisor barging in); the same client_id is not stored twice. */
  postMessage: (token: string, id: Id, text: string, clientId: string) =>
    request<Message>('POST', `/api/v1/conversations/${enc(id)}/messages`, { token, body: { text, client_id: clientId } }),
  accept: (token: string, id: Id) =>
    request<Conversation>('POST', `/api/v1/conversations/${enc(id)}/accept`, { token }),
  events: (token: string, id: Id) =>
    request<{ events: ConvEvent[] }>('GET', `/api/v1/conversations/${enc(id)}/events`, { token }),
  /** Bot → queued (customer or staff token). */
  handoff: (token: string, id: Id, body: { desk?: string; reason?: string } = {}) =>
    request<Conversation>('POST', `/api/v1/conversations/${enc(id)}/handoff`, { token, body }),
  transfer: (
    token: string,
    id: Id,
    body: ({ desk: string } | { agent_id: number }) & { reason: string; note?: string },
  ) => request<Conversation>('POST', `/api/v1/conversations/${enc(id)}/transfer`, { token, body }),
  close: (token: string, id: Id, body: { summary?: string } = {}) =>
    request<Conversation>('POST', `/api/v1/conversations/${enc(id)}/close`, { token, body }),
  queues: (token: string, signal?: AbortSignal) =>
    request<{ queues: QueueInfo[] }>('GET', '/api/v1/queues', { token, signal }),
  /** The customer's 👍/👎 on a bot answer; a 👎 while the bot holds it makes the bot offer help. */
  leaveMessage: (token: string, id: Id, body: { text: string; client_id?: string }) =>
    request<{ ticket_id: Id; message: Message }>('POST', `/api/v1/conversations/${enc(id)}/leave-message`, {
      token,
      body,
    }),
  // ---- complaints (staff) ----
  complaints: (token: string, query: { status?: string; limit?: number }) =>
    request<{ complaints: Complaint[] }>('GET', '/api/v1/complaints', { token, query }),
  complaint: (token: string, id: Id) => request<Complaint>('GET', `/api/v1/complaints/${enc(id)}`, { token }),
  setComplaintStatus: (token: string, id: Id, body: { status: string; resolution?: string; note?: string }) =>
    request<Complaint>('POST', `/api/v1/complaints/${enc(id)}/status`, { token, body }),
  recordCallback: (token: string, id: Id, body: { reached: boolean; satisfied?: boolean; note?: string }) =>
    request<Complaint>('POST', `/api/v1/complaints/${enc(id)}/callback`, { token, body }),
  proposeCompensation: (token: string, id: Id, body: { kind: string; amount: string; currency: string; reason: string }) =>
    request<Compensation>('POST', `/api/v1/complaints/${enc(id)}/compensations`, { token, body }),
  decideCompensation: (token: string, id: Id, compensationId: Id, approve: boolean, note?: string) =>
    request<Compensation>(
      'POST',
      `/api/v1/complaints/${enc(id)}/compensations/${enc(compensationId)}/${approve ? 'approve' : 'reject'}`,
      { token, body: note ? { note } : {} },
    ),
  /** The widget's complaint button: a complaint about the customer's own conversation. */
  fileComplaint: (
    token: string,
    body: { conversation_id: Id; description: string; category?: string; time_zone?: string },
  ) => request<{ id: Id; status: string; review_due_at: string }>('POST', '/api/v1/complaints', { token, body }),
  feedback: (token: string, id: Id, body: { message_id: Id; helpful: boolean }) =>
    request<{ recorded: boolean }>('POST', `/api/v1/conversations/${enc(id)}/feedback`, { token, body }),

  // ---- tickets (工单; staff) ----
  tickets: (
    token: string,
    query: {
      status?: string;
      desk?: string;
      assignee?: string;
      type?: string;
      category?: string;
      priority?: string;
      tag?: string;
      customer_id?: string;
      cursor?: string;
      limit?: number;
    },
  ) => request<{ tickets: Ticket[]; next_cursor: string | null }>('GET', '/api/v1/tickets', { token, query }),
  ticket: (token: string, id: Id) => request<Ticket>('GET', `/api/v1/tickets/${enc(id)}`, { token }),
  createTicket: (token: string, body: Record<string, unknown>) =>
    request<Ticket>('POST', '/api/v1/tickets', { token, body }),
  /** A ticket from a conversation: customer, desk, subject and description come from it unless given. */
  ticketFromConversation: (token: string, conversationId: Id, body: Record<string, unknown> = {}) =>
    request<Ticket>('POST', `/api/v1/conversations/${enc(conversationId)}/ticket`, { token, body }),
  /** Only the fields present change; null clears desk, assignee and the wallet fields. */
  updateTicket: (token: string, id: Id, body: Record<string, unknown>) =>
    request<Ticket>('PATCH', `/api/v1/tickets/${enc(id)}`, { token, body }),
  setTicketStatus: (token: string, id: Id, body: { status: string; summary?: string }) =>
    request<Ticket>('POST', `/api/v1/tickets/${enc(id)}/status`, { token, body }),
  addTicketNote: (token: string, id: Id, text: string) =>
    request<TicketNote>('POST', `/api/v1/tickets/${enc(id)}/notes`, { token, body: { text } }),
  ticketEvents: (token: string, id: Id) =>
    request<{ events: ConvEvent[] }>('GET', `/api/v1/tickets/${enc(id)}/events`, { token }),
  mergeTicket: (token: string, id: Id, into: Id) =>
    request<{ ticket: Ticket; into: Ticket }>('POST', `/api/v1/tickets/${enc(id)}/merge`, { token, body: { into } }),
  ticketAttachments: (token: string, id: Id) =>
    request<{ attachments: TicketAttachment[] }>('GET', `/api/v1/tickets/${enc(id)}/attachments`, { token }),
  uploadTicketAttachment: (token: string, id: Id, file: File) =>
    request<TicketAttachment>('POST', `/api/v1/tickets/${enc(id)}/attachments`, {
      token,
      raw: file,
      query: { name: file.name },
    }),
  /** 404 when no SLA policy applied to the ticket. */
  ticketSla: (token: string, id: Id) => request<TicketSla>('GET', `/api/v1/tickets/${enc(id)}/sla`, { token }),
  slaBreaches: (token: string, query: { cursor?: string; limit?: number } = {}) =>
    request<{ breaches: SlaBreach[]; next_cursor: string | null }>('GET', '/api/v1/sla/breaches', { token, query }),
  /** Supervisors and admins: the ticket and its notes as written (audited with the reason). */
  revealTicket: (token: string, id: Id, reason: string) =>
    request<{ ticket: Ticket; notes: TicketNote[] }>('POST', `/api/v1/tickets/${enc(id)}/reveal`, {
      token,
      body: { reason },
    }),
  cannedReplies: (token: string) =>
    request<{ canned_replies: CannedReply[] }>('GET', '/api/v1/canned-replies', { token }),
  renderCannedReply: (token: string, id: Id, body: { ticket_id: Id } | { conversation_id: Id }) =>
    request<{ canned_reply_id: Id; text: string }>('POST', `/api/v1/canned-replies/${enc(id)}/render`, { token, body }),

  // ---- knowledge base: public ----
  kbSuggestions: (lang: string, limit = 6) =>
    request<{ suggestions: KbSuggestion[] }>('GET', '/api/v1/kb/suggestions', { query: { lang, limit } }),
  kbSearch: (q: string, lang: string | undefined, limit: number, signal?: AbortSignal) =>
    request<{ results: KbSearchResult[] }>('GET', '/api/v1/kb/search', { query: { q, lang, limit }, signal }),

  // ---- knowledge base: staff (kb_editor and admin write; supervisors read) ----
  kbArticles: (
    token: string,
    query: { lang?: string; category?: string; status?: string; cursor?: string; limit?: number },
  ) => request<{ articles: KbArticle[]; next_cursor: string | null }>('GET', '/api/v1/kb/articles', { token, query }),
  kbArticle: (token: string, id: string) => request<KbArticle>('GET', `/api/v1/kb/articles/${enc(id)}`, { token }),
  kbCreate: (
    token: string,
    body: { id?: string; lang: string; category?: string; question: string; variants?: string[]; answer: string },
  ) => request<KbArticle>('POST', '/api/v1/kb/articles', { token, body }),
  kbUpdate: (
    token: string,
    id: string,
    body: { lang?: string; category?: string; question?: string; variants?: string[]; answer?: string; base_version?: number },
  ) => request<KbArticle>('PUT', `/api/v1/kb/articles/${enc(id)}`, { token, body }),
  kbVersions: (token: string, id: string, query: { before_version?: number; limit?: number } = {}) =>
    request<{ versions: KbVersion[]; has_more: boolean }>('GET', `/api/v1/kb/articles/${enc(id)}/versions`, {
      token,
      query,
    }),
  kbPublish: (token: string, id: string, version?: number) =>
    request<KbArticle>('POST', `/api/v1/kb/articles/${enc(id)}/publish`, {
      token,
      body: version ? { version } : {},
    }),
  kbUnpublish: (token: string, id: string) =>
    request<KbArticle>('POST', `/api/v1/kb/articles/${enc(id)}/unpublish`, { token }),
};
