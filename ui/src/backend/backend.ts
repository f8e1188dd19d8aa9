// The one seam between the UI and the workstation process. Components and stores use only
// this interface; `tauri.ts` implements it over the generated IPC bindings, `memory.ts`
// in memory for component tests (no webview needed).
import type {
  A4PrintOutcome,
  AppInfo,
  CardEvent,
  EnrollmentStatus,
  LibraryStatus,
  LoginKey,
  PresenceEvent,
  PrintOutcome,
  ScanEvent,
  ShellStatus,
  SyncOverview,
  SyncStatus,
  UserError,
} from '../bindings'
import type { AssistApi } from './assist'
import type { CameraApi } from './camera'
import type { IntakeApi } from './intake'
import type { IssuingApi } from './issuing'
import type { FlowApi } from './flow'
import type { LicenceApi } from './licences'
import type { MaintenanceApi } from './maintenance'
import type { VisitApi } from './visit'

export type Unsubscribe = () => void

export interface Backend {
  appInfo(): Promise<AppInfo>
  shellStatus(): Promise<ShellStatus>
  /** Called with the whole status every time any part of it changes. */
  onShellStatus(listener: (status: ShellStatus) => void): Promise<Unsubscribe>
  /** Tells the workstation a view has painted (startup benchmark, log). */
  uiRendered(view: string): Promise<void>
  /** Called for each ID-card reader event: card placed and read, removed, or unreadable. */
  onCardEvent(listener: (event: CardEvent) => void): Promise<Unsubscribe>
  /** Places a sample card on the simulated reader (`make run`, device self-test). */
  simulateCard(sample: string): Promise<Result<null>>
  simulateCardRemoval(): Promise<Result<null>>
  /** Prints the standard ticket slip on the receipt printer (self-test). */
  printTestSlip(): Promise<Result<PrintOutcome>>
  /** Prints the A4 test page through the OS spooler and waits for the job (self-test). */
  printTestPage(): Promise<Result<A4PrintOutcome>>
  /** Sets or clears a fault on the simulated receipt printer. */
  simulatePrinterFault(fault: string, on: boolean): Promise<Result<null>>
  /** Called once per scan from the serial scanner gun. */
  onScan(listener: (scan: ScanEvent) => void): Promise<Unsubscribe>
  /** Sends a scan from the simulated serial scanner gun. */
  simulateScan(text: string): Promise<Result<null>>
  /** The UKeys plugged in, their PIN state and certificates (A1–A3). */
  loginKeys(): Promise<Result<LoginKey[]>>
  /** Certificate login with the PIN; the new status carries the clerk. */
  login(keyId: string, certId: string, pin: string): Promise<Result<ShellStatus>>
  /** Unlocks after the clerk's key was pulled: the same key and PIN (A5). */
  unlock(pin: string): Promise<Result<ShellStatus>>
  logout(): Promise<ShellStatus>
  /** Changes the logged-in clerk's UKey PIN: old, new, new again (A3). */
  changePin(oldPin: string, newPin: string, confirm: string): Promise<Result<ShellStatus>>
  /** The desk's UKey libraries and why any did not load (A2). */
  ukeyLibraries(): Promise<Result<LibraryStatus[]>>
  /** Whether this workstation is enrolled with the central server (issue 15). */
  enrollmentStatus(): Promise<EnrollmentStatus>
  /** Enrolls with the one-time code IT typed; sync starts on success. */
  enroll(code: string): Promise<Result<EnrollmentStatus>>
  /** Called when a UKey is plugged in or pulled out. */
  onUkeyChanged(listener: (event: PresenceEvent) => void): Promise<Unsubscribe>
  /** Intake at the window: catalog, drafts, notices, decisions, history (issue 5). */
  intake: IntakeApi
  /** The document camera: preview, QR codes, captured pages (issue 7). */
  camera: CameraApi
  /** The issuing window: find results, hand them over, the photo (H1–H2). */
  issuing: IssuingApi
  /** The material flow: packages of the window's paper, the receiving end's sign-off (F3). */
  flow: FlowApi
  /** Electronic licences: lookup after a card read, preview, download, 反馈, use in place of paper (L1, L2). */
  licences: LicenceApi
  /** 部门协查: requests, the department's inbox, the seal, the stamped proof received (L4). */
  assist: AssistApi
  /** Signed updates from the hall server and the diagnostics bundle (issue 19). */
  maintenance: MaintenanceApi
  /** The citizen window's view and the rating; the clerk's 「请评价」 and pause (G1, G2). */
  visit: VisitApi
  /** The sync page: status read from the store now, refused records and files (issue 6). */
  syncStatus(): Promise<Result<SyncOverview>>
  /** 「立即同步」: a sync cycle now instead of after the back-off. */
  syncNow(): Promise<Result<SyncOverview>>
  /** 「重新提交」: refused records and files back in the queue (audited), then a cycle. */
  syncRetryParked(): Promise<Result<SyncOverview>>
  /** Called whenever the sync status changes (pending count, phase, error, upload). */
  onSyncStatus(listener: (status: SyncStatus) => void): Promise<Unsubscribe>
}

/** A command that can fail with a typed, Chinese-worded error. */
export type Result<T> = { status: 'ok'; data: T } | { status: 'error'; error: UserError }
