// Intake's part of the backend seam (issue 5): catalog search, drafts, notices, decisions,
// history. `tauri.ts` maps it onto the generated commands, `memoryIntake.ts` keeps it in memory
// for component tests.
import type {
  Answer,
  Attachment,
  Case,
  CaseDraft,
  CaseEvent,
  CatalogHome,
  ChangeInput,
  ConclusionInput,
  DecisionInput,
  DocumentPreview,
  ExportFormat,
  ExportResult,
  HistoryPage,
  HistoryQuery,
  IntakeLabels,
  Item,
  ItemHit,
  Party,
  Question,
  TodayFigures,
} from '../bindings'
import type { Result } from './backend'

export interface IntakeApi {
  /** Favourites, the most frequent and the recent items of this clerk, and the departments. */
  home(): Promise<Result<CatalogHome>>
  /** Item search per keystroke: name, pinyin, initials, department, type, small typos. */
  search(query: string): Promise<Result<ItemHit[]>>
  item(code: string): Promise<Result<Item>>
  /** The items of one department (按部门), favourites marked. */
  department(code: string): Promise<Result<ItemHit[]>>
  favourite(code: string, on: boolean): Promise<Result<null>>
  /** The Chinese names of case states, decisions, receipt forms, ID sources and lights. */
  labels(): Promise<IntakeLabels>
  /** The situation question to ask next for these answers; null once a situation is reached. */
  currentQuestion(item: Item, answers: Answer[]): Promise<Question | null>
  /** A fresh draft of an item. */
  newDraft(itemCode: string): Promise<Result<CaseDraft>>
  /** Re-resolves the situation after an answer; rebuilds the checklist. */
  refresh(draft: CaseDraft): Promise<Result<CaseDraft>>
  /** A 统一社会信用代码 as typed (E2): the code upper case, or the sentence naming the field. */
  checkUscc(code: string): Promise<Result<string>>
  /** The person on the card just read (A6). */
  partyFromCard(): Promise<Result<Party>>
  /** C2: the party on an expired card, with the clerk's reason for the exception (audited). */
  partyFromExpiredCard(reason: string): Promise<Result<Party>>
  save(draft: CaseDraft, park: boolean): Promise<Result<Case>>
  /** Another clerk logs in at the locked window: the open case is parked for its clerk (A5). */
  parkForSwitch(draft: CaseDraft): Promise<Result<Case>>
  drafts(): Promise<Result<Case[]>>
  discard(caseId: string): Promise<Result<null>>
  /** Saves, numbers and prints the notice of the decision (E6). */
  printNotice(draft: CaseDraft, decision: DecisionInput): Promise<Result<Case>>
  /** The notice F8 would print now, as the printed document's lines; nothing is saved. */
  previewNotice(draft: CaseDraft, decision: DecisionInput): Promise<Result<DocumentPreview>>
  decide(caseId: string, decision: DecisionInput): Promise<Result<Case>>
  getCase(caseId: string): Promise<Result<Case>>
  trail(caseId: string): Promise<Result<CaseEvent[]>>
  /** A withdrawal needs the citizen's signed request captured with the camera (E9). */
  change(caseId: string, change: ChangeInput, reason: string): Promise<Result<Case>>
  /** 即办件 closed at the counter (E11): prints the decision (准予 / 不予许可), then 办结. */
  conclude(caseId: string, input: ConclusionInput): Promise<Result<Case>>
  /** Prints the 撤件申请书 for the citizen to sign (A4, with the case number; audited). */
  withdrawForm(caseId: string): Promise<Result<null>>
  /** The case receipt on the thermal printer (F2): the first print, or a reprint with its reason. */
  receiptSlip(caseId: string, reason: string): Promise<Result<null>>
  history(query: HistoryQuery): Promise<Result<HistoryPage>>
  reprint(caseId: string, noticeIndex: number, reason: string): Promise<Result<Case>>
  exportHistory(query: HistoryQuery, format: ExportFormat): Promise<Result<ExportResult>>
  today(): Promise<Result<TodayFigures>>
  /** Imports a file (JPG, PNG, PDF) for a material: stored encrypted, queued for upload. */
  attach(name: string, bytes: number[]): Promise<Result<Attachment>>
}
