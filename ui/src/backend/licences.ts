// Electronic licences' part of the backend seam (L1, L2): the lookup after a card read, the
// preview and download of one licence, 反馈, and a licence received in place of paper. The
// rules (the card-read proof, the item's licence types, the audit) live in core.
import type {
  FeedbackRequest,
  ItemLicences,
  LicenceAttachQuery,
  LicenceAttached,
  LicenceDownload,
  LicenceFileQuery,
  LicencePreview,
  LicenceQuery,
} from '../bindings'
import type { Result } from './backend'

export interface LicenceApi {
  /** The card holder's licences for the item's licence types. */
  lookup(query: LicenceQuery): Promise<Result<ItemLicences>>
  /** A licence's text and verified seals. */
  preview(query: LicenceFileQuery): Promise<Result<LicencePreview>>
  /** Saves a licence's file to the data folder. */
  download(query: LicenceFileQuery): Promise<Result<LicenceDownload>>
  /** 反馈 on wrong data; resolves to the feedback's number. */
  feedback(feedback: FeedbackRequest): Promise<Result<string>>
  /** Receives a valid licence in place of a material's paper. */
  attach(query: LicenceAttachQuery): Promise<Result<LicenceAttached>>
}
