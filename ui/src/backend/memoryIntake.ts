// In-memory intake for component tests: a two-item catalog and the rules the pages rely on
// (notice before decision, required materials for an acceptance). The real rules live in
// `yichuang_core::intake`; this only lets the pages run without the workstation.
import type {
  Answer,
  Case,
  CaseEvent,
  CaseDraft,
  ChangeInput,
  ConclusionInput,
  DecisionInput,
  DocumentPreview,
  ErrorCode,
  HistoryRow,
  IntakeLabels,
  Item,
  ItemHit,
  MaterialEntry,
  Party,
  Question,
} from '../bindings'
import type { Result } from './backend'
import type { IntakeApi } from './intake'

// Vue's reactive proxies cannot be structured-cloned; the IPC copies through JSON too.
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x))
const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })
const err = <T>(code: ErrorCode, message: string): Result<T> => ({ status: 'error', error: { code, message, detail: code } })

export const sampleItems: Item[] = [
  {
    code: 'GA-HJ-0301',
    name: '户籍证明',
    department: 'gaj',
    kind: 'public_service',
    legal_days: 0,
    promised_days: 0,
    instant: true,
    deferrable: false,
    online: true,
    keywords: ['户口证明'],
    notes: '',
    questions: [
      {
        id: 'q1',
        text: '申请人与被证明人的关系？',
        options: [
          { label: '本人申请', next: { situation: 's1' } },
          { label: '近亲属代为申请', next: { situation: 's2' } },
        ],
      },
    ],
    situations: [
      { id: 's1', name: '本人申请', materials: ['m1', 'm2'], notes: '' },
      { id: 's2', name: '近亲属代为申请', materials: ['m1', 'm2', 'm3'], notes: '' },
    ],
    materials: [
      { id: 'm1', name: '居民身份证', required: true, form: 'original', count: 1, review_points: ['在有效期内'], sample: null, licence_type: null, deferrable: false },
      { id: 'm2', name: '居民户口簿', required: true, form: 'original', count: 1, review_points: [], sample: null, licence_type: '居民户口簿电子证照', deferrable: false },
      { id: 'm3', name: '亲属关系证明', required: true, form: 'copy', count: 1, review_points: [], sample: null, licence_type: null, deferrable: true },
    ],
    fields: [{ id: 'purpose', label: '证明用途', type: 'select', options: ['入学', '其他'], required: true, max_len: 0, hint: '', default: '其他' }],
  },
]

const hit = (i: Item, matched: string): ItemHit => ({
  code: i.code,
  name: i.name,
  department: '公安局',
  kind: '公共服务',
  promised_days: i.promised_days,
  instant: i.instant,
  deferrable: i.deferrable,
  matched,
  favourite: false,
})

const initials: Record<string, string> = { 'GA-HJ-0301': 'hjzm' }

/** The tables `yichuang_core::domain::intake::labels` sends (a fixture; the UI has no copy). */
export const sampleLabels: IntakeLabels = {
  case_states: { draft: '暂存', accepted: '已受理', deferred: '容缺受理', rejected: '不予受理', supplement: '补正补齐', withdrawn: '已撤回' },
  case_progress: { received: '已受理', in_review: '审批中', approved: '办结（准予许可）', denied: '办结（不予许可）', ready: '待领取', picked_up: '已领取' },
  flow_states: { sent: '材料流转中', received: '材料已签收' },
  decision_kinds: { accept: '受理', deferred: '容缺受理', reject: '不予受理', supplement: '补正补齐' },
  conclusion_results: { approved: '准予许可', denied: '不予许可' },
  received_as: { missing: '未收取', paper: '纸质原件', copy: '复印件', electronic: '电子材料', scanned: '高拍仪采集' },
  id_sources: { card: '读卡', code: '扫身份码', typed: '手工录入', none: '' },
  applicant_kinds: { person: '个人', organisation: '法人或其他组织' },
  organisation_fields: { kind: '申请人类型', name: '单位名称', uscc: '统一社会信用代码', legal_representative: '法定代表人', handler: '经办人' },
  lights: { none: '', green: '正常', yellow: '今日到期', orange: '超期1个工作日', red: '严重超期' },
  card_kinds: { resident: '居民身份证', foreign_permanent: '外国人永久居留身份证', hk_macao_taiwan: '港澳台居民居住证', foreign_permanent_2023: '外国人永久居留身份证（2023版）' },
  sexes: { unknown: '未知', male: '男', female: '女', unspecified: '未说明' },
  licence_statuses: { valid: '有效', revoked: '已吊销', expired: '已过期' },
  feedback_categories: { wrong_data: '证照信息有误', missing: '应有证照未查到', outdated: '证照信息已过时', other: '其他问题' },
  permissions: {
    accept: '收件受理',
    query: '查询',
    print: '打印',
    export: '导出',
    reprint: '补打',
    change: '变更',
    issue: '出件',
    admin: '系统管理',
    all_items: '全部事项',
    assist: '协查办理',
  },
}

/**
 * The situation walk of `yichuang_core::domain::intake::walk::current_question`, as a test
 * double for the in-memory backend ONLY: the pages ask the backend and never walk the tree.
 */
export function walkQuestions(item: Item, answers: Answer[]): Question | null {
  const questions = item.questions ?? []
  let q: Question | undefined = questions[0]
  if (!q) return null
  for (const a of answers) {
    if (a.question_id !== q.id) break
    const next: Question['options'][number]['next'] | undefined = q.options[a.option]?.next
    if (!next) break
    if ('situation' in next) return null
    q = questions.find((x) => x.id === next.question)
    if (!q) return null
  }
  return q
}

export class MemoryIntake implements IntakeApi {
  cases = new Map<string, Case>()
  /** The card "on the reader" for `partyFromCard`. */
  card: Party | null = null
  printed = 0
  /** The clerk's favourites (事项收藏). */
  favourites = new Set<string>()
  /** Reprints asked for: case, notice index, reason. */
  reprints: { caseId: string; index: number; reason: string }[] = []
  private seq = 0

  private hits(codes: string[]) {
    return sampleItems.filter((i) => codes.includes(i.code)).map((i) => ({ ...hit(i, ''), favourite: this.favourites.has(i.code) }))
  }
  async home() {
    return ok({
      favourites: this.hits([...this.favourites]),
      frequent: this.hits(sampleItems.map((i) => i.code)),
      recent: [],
      departments: [{ code: 'gaj', name: '某市公安局', short_name: '公安', items: sampleItems.length }],
      version: 'memory',
      items: sampleItems.length,
    })
  }
  async department(code: string) {
    return ok(this.hits(sampleItems.filter((i) => i.department === code).map((i) => i.code)))
  }
  async search(query: string) {
    const q = query.trim().toLowerCase()
    return ok(
      sampleItems
        .filter((i) => i.name.includes(q) || (initials[i.code] ?? '').startsWith(q))
        .map((i) => hit(i, i.name.includes(q) ? '名称' : '拼音首字母')),
    )
  }
  async item(code: string) {
    const i = sampleItems.find((x) => x.code === code)
    return i ? ok(clone(i)) : err<Item>('intake.unknown_item', '没有该事项')
  }
  async favourite(code: string, on: boolean) {
    if (on) this.favourites.add(code)
    else this.favourites.delete(code)
    return ok(null)
  }
  async labels() {
    return clone(sampleLabels)
  }
  async currentQuestion(item: Item, answers: Answer[]) {
    const q = walkQuestions(item, answers)
    return q ? clone(q) : null
  }
  async newDraft(itemCode: string) {
    const i = sampleItems.find((x) => x.code === itemCode)!
    const draft: CaseDraft = {
      id: null,
      item_code: itemCode,
      answers: [],
      situation_id: null,
      applicant: { name: '', id_number: '', id_source: 'none', sex: '', nation: '', birth: '', address: '', phone: '' },
      agent: null,
      pickup: null,
      form: Object.fromEntries((i.fields ?? []).filter((f) => f.default).map((f) => [f.id, f.default!])),
      materials: [],
      notes: '',
    }
    return ok(draft)
  }
  async refresh(draft: CaseDraft) {
    const i = sampleItems.find((x) => x.code === draft.item_code)!
    const last = draft.answers[draft.answers.length - 1]
    const next = last ? (i.questions ?? []).find((q) => q.id === last.question_id)?.options[last.option]?.next : undefined
    const sid: string | null = (next && 'situation' in next ? next.situation : null) ?? null
    const s = i.situations.find((x) => x.id === sid)
    const materials: MaterialEntry[] = (s?.materials ?? []).map((id) => {
      const m = i.materials.find((x) => x.id === id)!
      return { material_id: id, name: m.name, required: m.required, form: '原件', count: m.count, deferrable: m.deferrable ?? false, received: 'missing', pages: 0, files: [], note: '', licence_type: m.licence_type, licence: null }
    })
    return ok({ ...draft, situation_id: sid, materials })
  }
  /** The codes `checkUscc` takes (a fixture: the real check is GB 32100 in the workstation),
   * and the sentence it gives for any other. */
  validUscc = new Set(['91350100M000100Y43'])
  usccRefusal = '申请单位：统一社会信用代码校验位不符，请核对。'
  async checkUscc(code: string) {
    const upper = code.trim().toUpperCase()
    return this.validUscc.has(upper) ? ok(upper) : err<string>('intake.party', this.usccRefusal)
  }
  /** Whether the card "on the reader" has expired (C2). */
  cardExpired = false
  overrides: string[] = []
  async partyFromCard() {
    if (this.card && this.cardExpired) return err<Party>('intake.card_expired', '身份证已过期，不能作为申请人身份证件。')
    return this.card ? ok({ ...this.card }) : err<Party>('intake.no_card', '请将身份证放到读卡器上。')
  }
  async partyFromExpiredCard(reason: string) {
    if (reason.trim().length < 2) return err<Party>('intake.override_reason', '请填写例外受理的原因（2至100字）。')
    this.overrides.push(reason.trim())
    return this.card ? ok({ ...this.card }) : err<Party>('intake.no_card', '请将身份证放到读卡器上。')
  }
  private upsert(draft: CaseDraft): Case {
    const i = sampleItems.find((x) => x.code === draft.item_code)!
    const id = draft.id ?? `case-${this.cases.size + 1}`
    const prev = this.cases.get(id)
    const c: Case = prev ?? {
      id,
      case_no: null,
      version: 0,
      state: 'draft',
      item_code: i.code,
      item_name: i.name,
      department: '公安局',
      situation_name: null,
      clerk_id: 'c001',
      created_at: Date.now(),
      updated_at: Date.now(),
      decided_at: null,
      due_date: null,
      print_count: 0,
      draft,
      decision: null,
      notices: [],
      changes: [],
      conclusion: null,
    }
    c.draft = { ...clone(draft), id }
    c.version += 1
    this.cases.set(id, c)
    return c
  }
  async save(draft: CaseDraft) {
    return ok(clone(this.upsert(draft)))
  }
  /** Drafts parked for the locked clerk when another clerk logged in. */
  switchParked: CaseDraft[] = []
  async parkForSwitch(draft: CaseDraft) {
    this.switchParked.push(clone(draft))
    return ok(clone(this.upsert(draft)))
  }
  async drafts() {
    return ok([...this.cases.values()].filter((c) => c.state === 'draft').map((c) => clone(c)))
  }
  async discard(caseId: string) {
    this.cases.delete(caseId)
    return ok(null)
  }
  private key(draft: CaseDraft, d: DecisionInput) {
    return JSON.stringify({ d: { ...draft, id: null }, x: d })
  }
  async printNotice(draft: CaseDraft, decision: DecisionInput) {
    if (decision.kind === 'accept' && draft.materials.some((m) => m.required && m.received === 'missing')) {
      return err<Case>('intake.materials_missing', '必要材料未收齐')
    }
    const c = this.upsert(draft)
    c.case_no ??= `44150020261123003${String(++this.seq).padStart(4, '0')}`
    c.notices.push({ kind: decision.kind, title: '受理通知书', hall: '', issuer: '', decision_hash: this.key(draft, decision), paragraphs: [], printed_at: Date.now(), prints: 1 })
    c.print_count += 1
    this.printed += 1
    return ok(clone(c))
  }
  async previewNotice(draft: CaseDraft, decision: DecisionInput) {
    if (decision.kind === 'reject' && !decision.reason.trim()) return err<DocumentPreview>('intake.reason_required', '请填写不予受理理由')
    const no = this.cases.get(draft.id ?? '')?.case_no ?? '（打印时编号）'
    const line = (text: string, style: DocumentPreview['lines'][number]['style'], align: DocumentPreview['lines'][number]['align'] = 'left') => ({ text, style, align, indent: false })
    return ok({
      title: `受理通知书 ${no}`,
      header: '政务服务中心',
      footer: null,
      lines: [line('受理通知书', 'title', 'center'), line(`编号：${no}`, 'body', 'center'), line(`${draft.applicant.name || '申请人'}：`, 'body'), line('申请人签名：', 'signature')],
    })
  }
  async decide(caseId: string, decision: DecisionInput) {
    const c = this.cases.get(caseId)
    if (!c) return err<Case>('intake.unknown_case', '找不到该办件')
    if (!c.notices.some((n) => n.decision_hash === this.key(c.draft, decision))) {
      return err<Case>('intake.notice_not_printed', '请先打印通知书')
    }
    c.state = ({ accept: 'accepted', deferred: 'deferred', reject: 'rejected', supplement: 'supplement' } as const)[decision.kind]
    c.decision = { kind: decision.kind, reason: decision.reason, promise: decision.promise, deadline: decision.deadline, missing: [], at: Date.now(), clerk_id: 'c001' }
    return ok(clone(c))
  }
  async getCase(caseId: string) {
    const c = this.cases.get(caseId)
    return c ? ok(clone(c)) : err<Case>('intake.unknown_case', '找不到该办件')
  }
  async trail(): Promise<Result<CaseEvent[]>> {
    return ok([])
  }
  /** 撤件申请书 printed, by case id. */
  withdrawForms: string[] = []
  async change(caseId: string, change?: ChangeInput, reason = '') {
    const c = this.cases.get(caseId)
    if (!c) return err<Case>('intake.unknown_case', '找不到该办件')
    if (change?.type === 'withdraw') {
      if (c.conclusion) return err<Case>('intake.concluded', '该办件已办结，不能再次办结或撤回。')
      if (!change.request) return err<Case>('intake.withdraw_request', '撤件须先用高拍仪拍摄申请人签字的撤件申请，请拍摄后再确认撤回。')
      c.state = 'withdrawn'
      c.changes.push({ at: Date.now(), clerk_id: 'c001', kind: 'withdraw', reason, detail: '', files: [change.request] })
    }
    return this.getCase(caseId)
  }
  async conclude(caseId: string, input: ConclusionInput) {
    const c = this.cases.get(caseId)
    if (!c) return err<Case>('intake.unknown_case', '找不到该办件')
    if (!sampleItems.find((i) => i.code === c.item_code)?.instant) return err<Case>('intake.not_instant', '该事项不是即办件，不能当场办结，须转后台审批。')
    if (c.conclusion) return err<Case>('intake.concluded', '该办件已办结，不能再次办结或撤回。')
    if (c.state !== 'accepted') return err<Case>('intake.wrong_state', '该办件当前状态不能进行此操作。')
    if (input.result === 'denied' && !input.reason.trim()) return err<Case>('intake.decision', '不予许可须填写理由。')
    const title = input.result === 'approved' ? '准予许可决定书' : '不予许可决定书'
    c.conclusion = { result: input.result, reason: input.reason.trim(), title, paragraphs: [], at: Date.now(), clerk_id: 'c001' }
    c.print_count += 1
    this.printed++
    return this.getCase(caseId)
  }
  /** Receipt slips printed: case id and reprint reason ('' for the first). */
  slips: { caseId: string; reason: string }[] = []
  async receiptSlip(caseId: string, reason: string): Promise<Result<null>> {
    if (!this.cases.has(caseId)) return err<null>('intake.unknown_case', '找不到该办件')
    if (this.slips.some((s) => s.caseId === caseId) && !reason.trim()) return err<null>('intake.reason_required', '请填写原因。')
    this.slips.push({ caseId, reason: reason.trim() })
    return ok(null)
  }
  async withdrawForm(caseId: string): Promise<Result<null>> {
    if (!this.cases.has(caseId)) return err<null>('intake.unknown_case', '找不到该办件')
    this.withdrawForms.push(caseId)
    return ok(null)
  }
  async history() {
    const rows: HistoryRow[] = [...this.cases.values()]
      .filter((c) => c.state !== 'draft')
      .map((c) => ({
        id: c.id,
        case_no: c.case_no,
        state: c.state,
        item_code: c.item_code,
        item_name: c.item_name,
        applicant_name: c.draft.applicant.name,
        created_at: c.created_at,
        decided_at: c.decided_at,
        due_date: c.due_date,
        light: 'none',
        print_count: c.print_count,
        progress: c.conclusion ? c.conclusion.result : null,
        progress_note: null,
        flow_state: null,
        flow_no: null,
      }))
    return ok({ rows, more: false })
  }
  async reprint(caseId: string, index: number, reason: string) {
    if (!reason.trim()) return err<Case>('intake.reason_required', '请填写补打原因')
    this.reprints.push({ caseId, index, reason })
    const c = this.cases.get(caseId)
    if (c) c.print_count += 1
    return this.getCase(caseId)
  }
  async exportHistory() {
    return ok({ path: '/tmp/已办件.csv', rows: this.cases.size })
  }
  async today() {
    const decided = [...this.cases.values()].filter((c) => c.state !== 'draft')
    return ok({
      total: decided.length,
      accepted: decided.filter((c) => c.state === 'accepted').length,
      deferred: 0,
      rejected: 0,
      supplement: 0,
      withdrawn: 0,
      drafts: this.cases.size - decided.length,
      prints: this.printed,
      calls: 0,
      ratings: 0,
      satisfied: 0,
      dissatisfied: 0,
    })
  }
  attached: string[] = []
  async attach(name: string, bytes: number[]) {
    this.attached.push(name)
    const pdf = bytes[0] === 0x25
    return ok({ sha256: `sha-${this.attached.length}`, name, size: bytes.length, pages: 1, mime: pdf ? 'application/pdf' : 'image/jpeg' })
  }
}
