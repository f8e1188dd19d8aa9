// Keeping the workstation running (issue 19): signed updates from the hall server (K1) and
// the diagnostics bundle for IT (K3). The rules — signature, target, no downgrade, masking —
// live in core.
import type { DiagnosticsDone, UpdateState } from '../bindings'
import type { Result } from './backend'

export interface MaintenanceApi {
  /** The running version, the release offered and what is verified. */
  updateState(): Promise<Result<UpdateState>>
  /** Asks the hall server for a newer release now. */
  updateCheck(): Promise<Result<UpdateState>>
  /** Downloads the offered release and verifies it against the pinned key. */
  updateDownload(): Promise<Result<UpdateState>>
  /** Starts the verified release's installer. */
  updateInstall(): Promise<Result<UpdateState>>
  /** Writes a diagnostics bundle and uploads it. */
  diagnostics(): Promise<Result<DiagnosticsDone>>
}
