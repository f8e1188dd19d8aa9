// The visit seam in memory for component tests: the workstation's rules in small (a
// dissatisfied level needs a reason, one answer per visit).
import type { CitizenLabels, CitizenView, DeskAction, DeskState, IssuedTicket, RatingLevel, RatingReason, Ticket, VerbResult } from '../bindings'
import type { Result } from './backend'
import type { VisitApi } from './visit'

const levels: RatingLevel[] = ['very_satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very_dissatisfied']
const reasons: RatingReason[] = ['efficiency', 'competence', 'attitude', 'guidance', 'environment', 'other']

/** Labels shaped like the Rust table's (levels and reasons named by their keys). */
export function sampleCitizenLabels(): CitizenLabels {
  return {
    levels: levels.map((value) => ({ value, label: value })),
    reasons: reasons.map((value) => ({ value, label: value })),
    rating_prompt: '请您对本次服务进行评价',
    reason_prompt: '请选择不满意的原因（可多选）',
    submit: '提交评价',
    thanks: '感谢您的评价',
    countdown: '{n}秒后未评价视为满意',
    called: '请{number}号到{window}号窗口办理',
    paused: '暂停服务',
  }
}

export class MemoryVisit implements VisitApi {
  current: CitizenView = { kind: 'idle' }
  ratings: { level: RatingLevel; reasons: RatingReason[] }[] = []
  private listeners = new Set<(v: CitizenView) => void>()
  /** The desk's queue; `null`: no calling at this desk. */
  desk: DeskState | null = null
  actions: DeskAction[] = []

  async view() {
    return structuredClone(this.current)
  }
  async labels() {
    return sampleCitizenLabels()
  }
  async pick(level: RatingLevel): Promise<Result<CitizenView>> {
    if (level !== 'dissatisfied' && level !== 'very_dissatisfied') return this.rate(level, [])
    if (this.current.kind !== 'rating') return this.noneWaiting()
    return this.ok({ ...this.current, picked: level })
  }
  async rate(level: RatingLevel, why: RatingReason[]): Promise<Result<CitizenView>> {
    if (this.current.kind !== 'rating') return this.noneWaiting()
    if ((level === 'dissatisfied' || level === 'very_dissatisfied') && why.length === 0) {
      return { status: 'error', error: { code: 'visit.reason_required', message: '请选择不满意的原因。', detail: '' } }
    }
    this.ratings.push({ level, reasons: why })
    return this.ok({ kind: 'thanks', level, until_ms: Date.now() + 5000 })
  }
  async requestRating(): Promise<Result<CitizenView>> {
    return this.ok({ kind: 'rating', deadline_ms: Date.now() + 20_000, picked: null, cases: [], clerk_name: '张三' })
  }
  async pause(reason: string) {
    return this.set({ kind: 'paused', reason })
  }
  async resume() {
    return this.set({ kind: 'idle' })
  }
  async onView(listener: (v: CitizenView) => void) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  async queueEnabled() {
    return this.desk !== null
  }
  deskListeners = new Set<() => void>()
  async onDeskChanged(listener: () => void) {
    this.deskListeners.add(listener)
    return () => this.deskListeners.delete(listener)
  }
  async deskState(): Promise<Result<DeskState>> {
    if (!this.desk) return { status: 'error', error: { code: 'queue.not_configured', message: '本窗口未启用排队叫号。', detail: '' } }
    return { status: 'ok', data: structuredClone(this.desk) }
  }
  async deskAct(action: DeskAction): Promise<Result<VerbResult>> {
    this.actions.push(action)
    const d = this.desk
    if (!d) return { status: 'error', error: { code: 'queue.not_configured', message: '本窗口未启用排队叫号。', detail: '' } }
    if (action.verb === 'call-next') {
      const next = d.waiting.shift()
      if (!next) return { status: 'error', error: { code: 'queue.refused', message: '当前没有等候的号码。', detail: '' } }
      d.current = { ...next, status: 'called', window: d.window }
      d.waiting_count = d.waiting.length
      this.set({ kind: 'called', number: next.number, until_ms: Date.now() + 60_000 })
      return { status: 'ok', data: { outcome: 'called', window: d.window, ticket: d.current, replayed: false } }
    }
    if (action.verb === 'pause') {
      d.paused = true
      d.pause_reason = action.reason
      this.set({ kind: 'paused', reason: action.reason })
      return { status: 'ok', data: { outcome: 'paused', window: d.window, ticket: null, replayed: false } }
    }
    return { status: 'ok', data: { outcome: 'recalled', window: d.window, ticket: d.current, replayed: false } }
  }
  async deskIssue(group: string, green: boolean): Promise<Result<IssuedTicket>> {
    const d = this.desk
    if (!d) return { status: 'error', error: { code: 'queue.not_configured', message: '本窗口未启用排队叫号。', detail: '' } }
    const t = { ...sampleTicket(`${group}${String(d.waiting.length + 1).padStart(3, '0')}`), priority: green ? 'green' : 'normal' }
    d.waiting.push(t)
    d.waiting_count = d.waiting.length
    return { status: 'ok', data: { ticket: t, message: `已取号 ${t.number}，小票已打印。` } }
  }
  async deskFinish() {
    return this.requestRating()
  }
  /** What the workstation would emit (a call, the countdown's end). */
  set(view: CitizenView): CitizenView {
    this.current = view
    for (const l of this.listeners) l(structuredClone(view))
    return structuredClone(view)
  }
  private ok(view: CitizenView): Result<CitizenView> {
    return { status: 'ok', data: this.set(view) }
  }
  private noneWaiting(): Result<CitizenView> {
    return { status: 'error', error: { code: 'visit.none_waiting', message: '当前没有等待评价的服务。', detail: '' } }
  }
}

/** A waiting ticket for the desk's lists. */
export function sampleTicket(number: string): Ticket {
  return {
    id: `t-${number}`,
    number,
    group: number.slice(0, 1),
    priority: 'normal',
    status: 'waiting',
    window: null,
    target_window: null,
    recalls: 0,
    issued_at: 1_700_000_000_000,
    called_at: null,
    cases: [],
  }
}
