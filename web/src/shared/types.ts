// Wire types, as described in docs/protocol.md. Ids are numbers below 2^53 or
// opaque strings: they are kept as received and sent back unchanged.
export type Id = number | string;

export type ConversationState = 'bot' | 'queued' | 'active' | 'pending' | 'resolved' | 'closed';
export type SenderType = 'customer' | 'staff' | 'bot' | 'system';

export interface Staff {
  id: Id;
  email: string;
  name: string;
  role: string;
  desk: string | null;
  max_chats?: number;
  /** The public id customers check at /verify ("KF-…"); carried by each of their messages. */
  verify_id?: string;
  /** Presence as the server last recorded it: online, busy, away, offline. */
  status?: string;
}

/** A customer as staff see them (GET …/customer): PII masked unless revealed. */
export interface CustomerProfile {
  id: Id;
  name: string;
  lang: string;
  created_at: string;
  identities: { channel: string; external_id: string; verified: boolean; created_at: string }[];
  pii: 'masked' | 'shown';
}

export type Presence = 'online' | 'busy' | 'away' | 'offline';
export const PRESENCES: readonly Presence[] = ['online', 'busy', 'away', 'offline'];

/** Desks (skill groups) a conversation can be queued for. */
export const DESKS = ['L1', 'L2', 'L3', 'security', 'complaints'] as const;
export type Desk = (typeof DESKS)[number];

export function isDesk(v: unknown): v is Desk {
  return typeof v === 'string' && (DESKS as readonly string[]).includes(v);
}

export interface QueueInfo {
  desk: string;
  waiting: number;
  agents_online: number;
  agents_free: number;
  conversations: { conversation_id: Id; position: number; eta_seconds: number }[];
}

export interface PersonRef {
  id: Id;
  name: string;
}

export interface Conversation {
  id: Id;
  customer: PersonRef;
  state: ConversationState;
  desk: string | null;
  assigned_agent: PersonRef | null;
  last_seq: number;
  last_message_at: string | null;
  last_message_preview: string | null;
  created_at: string;
  updated_at: string;
}

export interface Sender {
  type: SenderType;
  id: Id | null;
  name: string | null;
  /** Staff only: the agent's public verify id ("KF-…"), checkable at /verify. */
  verify_id?: string;
}

/** What a message is: customers and staff write 'text'; the bot's own messages say their purpose. */
export type MessageKind =
  | 'text'
  | 'attachment'
  | 'bot.greeting'
  | 'bot.answer'
  | 'bot.rephrase'
  | 'bot.handoff'
  | 'bot.safety'
  | 'bot.feedback_followup'
  | 'bot.outside_hours'
  | 'bot.message_left'
  | 'bot.queue_timeout'
  | 'ticket.auto_close_notice'
  | 'ticket.auto_closed'
  | 'csat.reminder'
  | 'conversation.idle_notice'
  | 'conversation.idle_closed'
  | 'whisper';

/** The file a message of kind 'attachment' carries (its text is the file's name). */
export interface AttachmentRef {
  id: string;
  content_type: string;
  size: number;
  /** Fetch with the same bearer token; never put it in an <img src> directly. */
  url: string;
}

/** Upload limit the server applies by default ([limits] attachment_bytes). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export interface Message {
  id: Id;
  conversation_id: Id;
  seq: number;
  client_id: string | null;
  sender: Sender;
  text: string;
  /** Older servers send none: read it as 'text'. */
  kind?: MessageKind;
  attachment?: AttachmentRef;
  created_at: string;
}

export interface ConvEvent {
  id: Id;
  type: string;
  at: string;
  actor: { type: string; id: Id | null } | null;
  [k: string]: unknown;
}

export interface WidgetSession {
  customer_id: Id;
  conversation_id: Id;
  token: string;
  /** Anonymous sessions: the unguessable id that resumes this customer once the token expires. */
  visitor_id?: string;
  resumed?: boolean;
}

// ---- knowledge base ----
/** Languages articles are written in (zh covers simplified and traditional). */
export const KB_LANGS = ['zh', 'en', 'es'] as const;
export type KbLang = (typeof KB_LANGS)[number];
/** What the widget and the help page ask in: zh-TW gets traditional characters back. */
export type KbAskLang = KbLang | 'zh-TW';

export interface KbArticle {
  id: string;
  lang: string;
  category: string;
  question: string;
  /** Only on GET /kb/articles/{id} and write answers; absent in the list. */
  variants?: string[];
  variant_count: number;
  answer: string;
  version: number;
  status: 'draft' | 'published';
  published_version: number | null;
  author: PersonRef | null;
  created_at: string;
  updated_at: string;
}

export interface KbVersion {
  id: string;
  lang: string;
  category: string;
  question: string;
  variants: string[];
  variant_count: number;
  answer: string;
  version: number;
  published: boolean;
  author: PersonRef | null;
  created_at: string;
}

export interface KbSearchResult {
  id: string;
  lang: string;
  category: string;
  question: string;
  answer: string;
  score: number;
}

export interface KbSuggestion {
  id: string;
  category: string;
  question: string;
}

export interface LoginAnswer {
  token: string;
  staff?: Staff;
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface ConversationPage {
  conversations: Conversation[];
  next_cursor: string | null;
}

// ---- WebSocket frames, server -> client ----
export interface HelloFrame {
  type: 'hello';
  subject: { type: 'customer' | 'staff'; id: Id; name: string | null };
}
export interface AckFrame {
  type: 'ack';
  client_id: string;
  message_id: Id;
  seq?: number;
}
export interface MessageCreatedFrame {
  type: 'message.created';
  message: Message;
}
export interface SyncDoneFrame {
  type: 'sync.done';
  conversation_id: Id;
  last_seq: number;
}
export interface TypingFrame {
  type: 'typing';
  conversation_id: Id;
  typing: boolean;
  sender?: Sender;
}
export interface ConversationUpdatedFrame {
  type: 'conversation.updated';
  conversation: Conversation;
}
/** A conversation left this staff console's desk scope (docs/adr/0019). */
export interface ConversationGoneFrame {
  type: 'conversation.gone';
  conversation_id: Id;
}
export interface ConversationAssignedFrame {
  type: 'conversation.assigned';
  conversation_id: Id;
  agent: PersonRef;
}
export interface ConversationTransferredFrame {
  type: 'conversation.transferred';
  conversation_id: Id;
  reason?: string;
  /** Set when transferred to a desk (queued there)… */
  desk?: string;
  /** …or to one agent. */
  agent?: PersonRef;
}
export interface QueuePositionFrame {
  type: 'queue.position';
  conversation_id: Id;
  /** 1-based: 1 means next in line. */
  position: number;
  eta_seconds?: number;
  desk?: string;
  /** Agents of that desk online now; 0 means nobody can answer at the moment. */
  agents_online?: number;
}
export interface CsatRequestFrame {
  type: 'csat.request';
  conversation_id: Id;
}
export interface CsatRecordedFrame {
  type: 'csat.recorded';
  conversation_id?: Id;
  score?: number;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message?: string;
  client_id?: string;
}

// ---- complaints (投诉) ----
export type ComplaintStatus = 'received' | 'acknowledged' | 'under_review' | 'resolved' | 'closed';
export interface Complaint {
  id: Id;
  status: ComplaintStatus;
  channel: 'widget' | 'email' | 'phone';
  category: string;
  subject: string;
  description: string;
  conversation_id: Id | null;
  received_at: string;
  acknowledged_at: string | null;
  review_due_at: string;
  resolved_at: string | null;
  closed_at: string | null;
  resolution: string | null;
  ticket_id?: Id;
  priority?: string;
  customer?: { id: Id; name: string } | null;
  review_started_at?: string | null;
  review_overdue?: boolean;
  handler?: { id: Id; name: string } | null;
  callback_task_id?: Id | null;
  callback?: { at: string; reached: boolean; satisfied: boolean | null; note: string | null } | null;
  history?: ConvEvent[];
  compensations?: Compensation[];
}
export interface Compensation {
  id: Id;
  complaint_id: Id;
  kind: string;
  amount: string;
  currency: string;
  reason: string;
  state: 'proposed' | 'approved' | 'rejected';
  proposed_by: { id: Id; name: string };
  proposed_at: string;
  decided_by: { id: Id; name: string } | null;
  decided_at: string | null;
  decision_note: string | null;
}
/** complaint.created / complaint.updated / complaint.review_overdue / compensation.* to staff. */
export interface ComplaintFrame {
  type: 'complaint.created' | 'complaint.updated' | 'complaint.review_overdue' | 'compensation.proposed' | 'compensation.decided';
  complaint?: Complaint;
  compensation?: Compensation;
}

// ---- tickets (工单) ----
export const TICKET_STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_TYPES = ['inquiry', 'incident', 'complaint', 'data_request'] as const;
export const TICKET_CATEGORIES = [
  'account',
  'kyc',
  'bank_card',
  'top_up',
  'transfer',
  'withdrawal',
  'security',
  'asset_loss',
  'other',
] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
/** Wallet and payment fields of a ticket, checked by the server (docs/protocol.md "Tickets"). */
export const TICKET_FIELDS = [
  'chain',
  'tx_hash',
  'from_address',
  'to_address',
  'token',
  'amount',
  'order_id',
  'card_last4',
  'app_version',
  'platform',
] as const;
export type TicketField = (typeof TICKET_FIELDS)[number];

export interface TicketNote {
  id: Id;
  ticket_id: Id;
  author: PersonRef;
  text: string;
  created_at: string;
}

export type Ticket = {
  id: Id;
  type: string;
  category: string;
  priority: string;
  status: TicketStatus;
  subject: string;
  description: string;
  customer: PersonRef | null;
  conversation_id: Id | null;
  merged_into: Id | null;
  desk?: string | null;
  assignee?: PersonRef | null;
  tags?: string[];
  summary?: string | null;
  created_at: string;
  updated_at: string;
  /** Staff only, GET of one ticket. */
  notes?: TicketNote[];
  /** What the secret guard redacted from the text just written. */
  warnings?: string[];
} & { [K in TicketField]?: string | null };

export interface SlaClock {
  due: string;
  state: 'running' | 'at_risk' | 'met' | 'breached' | 'paused';
  warn_at?: string;
  met_at?: string;
  breached_at?: string;
  started_at?: string;
  paused_at?: string;
  remaining_seconds?: number;
}

export interface TicketSla {
  ticket_id: Id;
  policy: { id: Id; name: string };
  calendar: string;
  first_response: SlaClock | null;
  next_response: SlaClock | null;
  resolution: SlaClock | null;
  paused: boolean;
  breached: string[];
}

export interface SlaBreach {
  ticket: { id: Id; subject: string; status: string; priority: string; desk: string | null };
  sla: TicketSla;
}

/** A file of a ticket (GET …/tickets/{id}/attachments). */
export interface TicketAttachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
  created_at: string;
}

export interface CannedReply {
  id: Id;
  title: string;
  body: string;
  lang: string | null;
  desk: string | null;
  created_at: string;
}

/** sla.warning / sla.breached to the staff consoles whose desk scope covers the ticket. */
export interface SlaFrame {
  type: 'sla.warning' | 'sla.breached';
  ticket_id: Id;
  target: string;
  due: string;
  subject: string;
}

export type ServerFrame =
  | ComplaintFrame
  | SlaFrame
  | HelloFrame
  | AckFrame
  | MessageCreatedFrame
  | SyncDoneFrame
  | TypingFrame
  | ConversationUpdatedFrame
  | ConversationGoneFrame
  | ConversationAssignedFrame
  | ConversationTransferredFrame
  | QueuePositionFrame
  | CsatRequestFrame
  | CsatRecordedFrame
  | ErrorFrame;

// ---- client -> server ----
export type ClientFrame =
  | { type: 'message.send'; conversation_id: Id; client_id: string; text: string }
  | { type: 'sync'; conversation_id: Id; after_seq: number }
  | { type: 'typing'; conversation_id: Id; typing: boolean }
  | { type: 'csat.submit'; conversation_id: Id; score: number; comment: string };

export function sameId(a: Id | null | undefined, b: Id | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return String(a) === String(b);
}

/** Max characters of one message (server default). */
export const MAX_TEXT = 4000;
