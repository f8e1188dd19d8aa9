// The material flow's part of the backend seam (F3): the window's paper waiting to leave,
// packages made with their 物料流转单, and the receiving end's find and sign-off. The rules
// live in core.
import type { FlowCandidate, FlowDone, FlowFound, FlowSigned, FlowSummary } from '../bindings'
import type { Result } from './backend'

export interface FlowApi {
  /** The decided cases of this window whose paper has not left yet. */
  pending(): Promise<Result<FlowCandidate[]>>
  /** The packages this window made today. */
  list(): Promise<Result<FlowSummary[]>>
  /** Makes a package of the chosen cases and prints its slip. */
  create(caseIds: string[]): Promise<Result<FlowDone>>
  /** Prints a package's slip again. */
  reprint(no: string): Promise<Result<FlowDone>>
  /** The receiving end: a package by the number on its slip. */
  find(no: string): Promise<Result<FlowFound>>
  /** The receiving end: signs for the chosen cases. */
  sign(no: string, caseIds: string[]): Promise<Result<FlowSigned>>
}
