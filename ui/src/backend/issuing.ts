// The issuing window's part of the backend seam (H1–H2): find results, hand them over to the
// person on the card reader with a photo, print the pickup slips. The rules live in core.
import type { Attachment, HandoverDone, HandoverInput, IssueFound, IssueQuery } from '../bindings'
import type { Result } from './backend'

export interface IssuingApi {
  /** Results by case number (typed or scanned) or by the card on the reader. */
  find(query: IssueQuery): Promise<Result<IssueFound>>
  /** Hands the chosen results over to the person whose card is on the reader. */
  handover(input: HandoverInput): Promise<Result<HandoverDone>>
  /** The handover photo with the document camera. */
  photo(): Promise<Result<Attachment>>
}
