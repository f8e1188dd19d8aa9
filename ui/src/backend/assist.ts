// 部门协查's part of the backend seam (L4): requests to another department about the applicant
// whose card was read, the providing department's inbox (proof, seal, 退回), and the stamped
// proof received, verified and taken as a material. The rules live in core.
import type {
  A4PrintOutcome,
  AssistDraft,
  AssistList,
  AssistMaterial,
  AssistPrint,
  AssistProofText,
  AssistReceived,
  AssistRequest,
  AssistState,
  AssistStateLabel,
  SealKey,
  SealVerdict,
  StampOptions,
} from '../bindings'
import type { Result } from './backend'

export interface AssistApi {
  /** The states in order with their labels (待发送 … 已退回). */
  stateLabels(): Promise<AssistStateLabel[]>
  /** The departments a request may go to. */
  departments(): Promise<Result<string[]>>
  /** Sends a request (待发送 when the server cannot be reached). */
  request(draft: AssistDraft): Promise<Result<AssistRequest>>
  /** Sends the queued requests; how many the server now has. */
  flush(): Promise<Result<number>>
  /** My department's requests. */
  sent(state: AssistState | null): Promise<Result<AssistList>>
  /** Requests to my department. */
  inbox(state: AssistState | null): Promise<Result<AssistList>>
  get(id: string): Promise<Result<AssistRequest>>
  /** A PDF file as the proof. */
  attachProof(id: string, bytes: number[]): Promise<Result<AssistRequest>>
  /** A proof written at the window. */
  writeProof(id: string, text: AssistProofText): Promise<Result<AssistRequest>>
  /** The seal keys plugged in. */
  sealKeys(): Promise<Result<SealKey[]>>
  /** Stamps the proof with the seal PIN. */
  stamp(id: string, sealPin: string, options: StampOptions): Promise<Result<AssistRequest>>
  /** 退回 with a reason. */
  returnRequest(id: string, reason: string): Promise<Result<AssistRequest>>
  /** The stamped proof received and verified. */
  receive(id: string): Promise<Result<AssistReceived>>
  /** The verified stamped proof stored as a material file. */
  takeAsMaterial(id: string): Promise<Result<AssistMaterial>>
  /** Prints the request form, the proof or the stamped proof. */
  print(id: string, which: AssistPrint): Promise<Result<A4PrintOutcome>>
  /** 验章: every seal of a PDF the clerk opens, verified against the trusted CAs (A7). */
  verifyFile(bytes: number[]): Promise<Result<SealVerdict[]>>
}
