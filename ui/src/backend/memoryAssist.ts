// 部门协查 in memory, for component tests: one server's requests shared by the requesting and
// the providing window; the refusals and sentences as core words them. The seal key takes
// `sealPin` and counts wrong PINs down.
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
  UserError,
} from '../bindings'
import type { Result } from './backend'
import type { AssistApi } from './assist'

const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })
const err = (code: UserError['code'], message: string): Result<never> => ({ status: 'error', error: { code, message, detail: '' } })

/** The labels as `assist_state_labels` gives them. */
export const sampleAssistStateLabels: AssistStateLabel[] = [
  { state: 'queued', label: '待发送' },
  { state: 'pending', label: '待处理' },
  { state: 'awaiting_seal', label: '待盖章' },
  { state: 'sealed', label: '已盖章' },
  { state: 'returned', label: '已退回' },
]
const INVALID = '协查申请的信息有误（如未填写所需证明、统一社会信用代码校验位不符），请核对。'
const label = (s: AssistState) => sampleAssistStateLabels.find((l) => l.state === s)!.label

export function sampleSealKey(retriesLeft = 6): SealKey {
  return {
    key: 'YCSIM-SEAL-01',
    label: '协查印章',
    certificate: 'seal-1',
    department: '某市公安局',
    issuer: '测试SM2根CA',
    serial: '0A1B',
    algorithm: 'SM2',
    not_after: null,
    expired: false,
    pin: { max_retries: 6, retries_left: retriesLeft, locked: retriesLeft === 0, count_low: retriesLeft < 6, default_pin: false },
  }
}

export class MemoryAssist implements AssistApi {
  departments_ = ['某市公安局', '某市民政局']
  /** The applicant on the reader; `null`: no card read (core refuses the request). */
  cardHolder: { name: string; number: string } | null = { name: '张三', number: '11010519491231002X' }
  requests: AssistRequest[] = []
  sealPin = '111111'
  sealTries = 6
  /** The hall server is out of reach: a request waits here (待发送) until `flush`. */
  offline = false
  /** The stamped proof was changed after the seal (the verdict says so). */
  altered = false
  printed: { id: string; which: AssistPrint }[] = []
  /** The options of every 盖章 asked for. */
  stampOptions: StampOptions[] = []
  private next = 1

  async stateLabels() {
    return structuredClone(sampleAssistStateLabels)
  }

  async departments() {
    return ok([...this.departments_])
  }

  async request(draft: AssistDraft): Promise<Result<AssistRequest>> {
    if (!this.cardHolder) return err('assist.no_card', '请先读取办事人身份证，再申请部门协查（禁止手工输入证件号码）。')
    const proofs = draft.proofs.map((p) => p.trim()).filter(Boolean)
    if (!proofs.length || !draft.to_department) return err('assist.invalid', INVALID)
    const h = this.cardHolder
    const org = draft.organisation
    const state: AssistState = this.offline ? 'queued' : 'pending'
    const r: AssistRequest = {
      id: `req-${this.next++}`,
      state,
      state_label: label(state),
      from_department: '综合受理窗口',
      from_clerk: 'T-A',
      to_department: draft.to_department,
      item_code: draft.item_code,
      item_name: draft.item_name,
      applicant: {
        kind: org ? 'organisation' : 'person',
        person_number: h.number,
        person_name: h.name,
        organisation_code: org?.code ?? null,
        organisation_name: org?.name ?? null,
      },
      applicant_label: org ? `${org.name}（统一社会信用代码 ${org.code}，经办人 ${h.name}）` : `${h.name}（证件号码 ${h.number}）`,
      proofs,
      note: draft.note ?? '',
      created_at: 1_765_000_000_000,
      updated_at: 1_765_000_000_000,
      proof: null,
      stamped: null,
      seal: null,
      sealed_by: null,
      return_reason: null,
      returned_at: null,
      error: null,
    }
    this.requests.push(r)
    return ok(structuredClone(r))
  }

  async flush() {
    if (this.offline) return ok(0)
    const queued = this.requests.filter((r) => r.state === 'queued')
    for (const r of queued) {
      r.state = 'pending'
      r.state_label = label('pending')
    }
    return ok(queued.length)
  }

  private list(filter: (r: AssistRequest) => boolean, state: AssistState | null): Result<AssistList> {
    return ok({ requests: structuredClone(this.requests.filter((r) => filter(r) && (!state || r.state === state))), offline: null })
  }

  async sent(state: AssistState | null) {
    return this.list(() => true, state)
  }

  async inbox(state: AssistState | null) {
    return this.list((r) => r.state !== 'queued', state)
  }

  private find(id: string): AssistRequest | null {
    return this.requests.find((r) => r.id === id) ?? null
  }

  private set(id: string, change: (r: AssistRequest) => void): Result<AssistRequest> {
    const r = this.find(id)
    if (!r) return err('assist.refused', '中心服务拒绝了本次协查操作。')
    change(r)
    r.state_label = label(r.state)
    return ok(structuredClone(r))
  }

  async get(id: string) {
    return this.set(id, () => {})
  }

  async attachProof(id: string, bytes: number[]) {
    const pdf = String.fromCharCode(...bytes.slice(0, 5))
    if (pdf !== '%PDF-') return err('assist.not_pdf', '证明文件须为PDF格式。')
    return this.set(id, (r) => {
      r.state = 'awaiting_seal'
      r.proof = { sha256: 'sha-proof', size: bytes.length, clerk: 'T-B', at: 1 }
    })
  }

  async writeProof(id: string, text: AssistProofText) {
    if (!text.body.trim()) return err('assist.invalid', INVALID)
    return this.set(id, (r) => {
      r.state = 'awaiting_seal'
      r.proof = { sha256: 'sha-written', size: 1200, clerk: 'T-B', at: 1 }
    })
  }

  async sealKeys() {
    return ok([sampleSealKey(this.sealTries)])
  }

  async stamp(id: string, sealPin: string, options: StampOptions) {
    this.stampOptions.push(options)
    if (this.sealTries === 0) return err('seal.pin_locked', '印章PIN码已锁定，不能盖章，请联系印章管理员解锁。')
    if (sealPin !== this.sealPin) {
      this.sealTries -= 1
      return err('seal.pin_incorrect', `印章PIN码错误，还可尝试${this.sealTries}次；次数用完后印章UKey将被锁定。`)
    }
    this.sealTries = 6
    return this.set(id, (r) => {
      r.state = 'sealed'
      r.stamped = { sha256: 'sha-stamped', size: 4000, clerk: 'T-B', at: 2 }
      r.seal = { signer_name: '某市公安局', signer_issuer: '测试SM2根CA', signer_serial: '0A1B', signed_at: 2 }
      r.sealed_by = '某市公安局 于 2026年12月07日 10:30 盖章'
    })
  }

  async returnRequest(id: string, reason: string) {
    if (!reason.trim()) return err('assist.invalid', INVALID)
    return this.set(id, (r) => {
      r.state = 'returned'
      r.return_reason = reason.trim()
      r.returned_at = 3
    })
  }

  async receive(id: string): Promise<Result<AssistReceived>> {
    const r = this.find(id)
    if (!r || r.state !== 'sealed') return err('assist.not_sealed', '该协查证明尚未盖章，不能接收。')
    const sentence = this.altered
      ? '某市公安局 的电子印章验证失败：文件在盖章后被修改。'
      : '某市公安局 于 2026年12月07日 10:30 盖章，文件自盖章后未被修改。'
    return ok({
      request: structuredClone(r),
      valid: !this.altered,
      sentence,
      verdicts: [],
    })
  }

  async takeAsMaterial(id: string): Promise<Result<AssistMaterial>> {
    const received = await this.receive(id)
    if (received.status === 'error') return received
    if (!received.data.valid) return err('assist.seal_invalid', received.data.sentence)
    return ok({
      attachment: { sha256: 'sha-stamped', name: `协查证明-${id.slice(0, 8)}.pdf`, size: 4000, pages: 1, mime: 'application/pdf' },
      received_as: 'electronic',
      received: received.data,
    })
  }

  async print(id: string, which: AssistPrint): Promise<Result<A4PrintOutcome>> {
    this.printed.push({ id, which })
    return ok({ message: '已送打印机', job_id: null, pdf_bytes: 2000, saved_to: null })
  }

  /** An empty file has no seal; otherwise one seal, altered when `altered` is set. */
  async verifyFile(bytes: number[]): Promise<Result<SealVerdict[]>> {
    if (!bytes.length) return err('seal.unsigned', '该文档没有电子签章。')
    return ok([
      {
        valid: !this.altered,
        message: this.altered ? '某市公安局 的电子印章验证失败：文件在盖章后被修改。' : '某市公安局 于 2026年12月07日 10:30 盖章，文件自盖章后未被修改。',
        signer_name: '某市公安局',
        signer_issuer: '一窗受理测试SM2根CA',
        signer_serial: '01',
        signing_time: 1_765_000_000,
        algorithm: 'SM2',
        problem: this.altered ? 'altered' : null,
        appended_bytes: 0,
        later_signed: false,
      },
    ])
  }
}
