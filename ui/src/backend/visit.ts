// The visit's part of the backend seam (G1, G2): the citizen window's view and the rating,
// the clerk's 「请评价」 and pause. The countdown runs in the workstation, not in the page.
import type { CitizenLabels, CitizenView, RatingLevel, RatingReason } from '../bindings'
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
}
