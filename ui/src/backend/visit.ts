// The visit's part of the backend seam (G1, G2): the citizen window's view and the rating,
// the clerk's 「请评价」 and pause. The countdown runs in the workstation, not in the page.
import type { CitizenLabels, CitizenView, DeskAction, DeskState, IssuedTicket, RatingLevel, RatingReason, VerbResult } from '../bindings'
import type { Result, Unsubscribe } from './backend'

export interface VisitApi {
  /** What the citizen window shows now. */
  view(): Promise<CitizenView>
  /** Rating levels, reasons and prompts (from the Rust label table). */
  labels(): Promise<CitizenLabels>
  /** The citizen touched a level; a dissatisfied one asks for the reasons next. */
  pick(level: RatingLevel): Promise<Result<CitizenView>>
  /** The citizen's answer. */
  rate(level: RatingLevel, reasons: RatingReason[]): Promise<Result<CitizenView>>
  /** Clerk: 「请评价」 for this visit's cases. */
  requestRating(): Promise<Result<CitizenView>>
  pause(reason: string): Promise<CitizenView>
  resume(): Promise<CitizenView>
  onView(listener: (view: CitizenView) => void): Promise<Unsubscribe>
  /** Whether this desk calls tickets (B1). */
  queueEnabled(): Promise<boolean>
  deskState(): Promise<Result<DeskState>>
  /** The hall's queue pushed an event (another desk called, a ticket was issued…). */
  onDeskChanged(listener: () => void): Promise<Unsubscribe>
  /** One desk verb (顺呼, 重呼, 特呼, 转移, 暂停, 恢复, 补打). */
  deskAct(action: DeskAction): Promise<Result<VerbResult>>
  /** 取号: a ticket of an item group, printed on the receipt printer when there is one. */
  deskIssue(group: string, green: boolean): Promise<Result<IssuedTicket>>
  /** 服务结束并请评价: the ticket's cases to the queue, then the rating question. */
  deskFinish(): Promise<Result<CitizenView>>
}
