// The material-flow API in memory, for component tests: two cases waiting, a package made of
// them, signed for once.
import type { FlowCandidate, FlowDone, FlowFound, FlowSigned, FlowSummary, MaterialFlow, UserError } from '../bindings'
import type { Result } from './backend'
import type { FlowApi } from './flow'

const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })
const err = (code: UserError['code'], message: string): Result<never> => ({ status: 'error', error: { code, message, detail: '' } })

export class MemoryFlow implements FlowApi {
  waiting: FlowCandidate[] = ['0001', '0002'].map((n, i) => ({
    case_id: `c-${i + 1}`,
    case_no: `44150020261206003${n}`,
    item_name: '户籍证明',
    applicant: '张* 4415**********123X',
    department: '市公安局',
    materials: [{ name: '居民户口簿', form: '原件', pages: 2 }],
    decided_at: 1_765_000_000_000 + i,
  }))
  flows: MaterialFlow[] = []

  async pending(): Promise<Result<FlowCandidate[]>> {
    return ok(this.waiting)
  }

  async list(): Promise<Result<FlowSummary[]>> {
    return ok(
      this.flows.map((f) => ({
        no: f.no,
        department: f.department,
        created_at: f.created_at,
        cases: f.entries.length,
        received: f.entries.filter((e) => e.received_at !== null).length,
        print_count: 1,
      })),
    )
  }

  async create(caseIds: string[]): Promise<Result<FlowDone>> {
    if (!caseIds.length) return err('flow.nothing_chosen', '请先勾选要流转或签收的办件。')
    const chosen = this.waiting.filter((c) => caseIds.includes(c.case_id))
    this.waiting = this.waiting.filter((c) => !caseIds.includes(c.case_id))
    const flow: MaterialFlow = {
      no: `WL44150020261206003${String(this.flows.length + 1).padStart(3, '0')}`,
      department: chosen[0].department,
      from: '441500-3',
      clerk_id: 'T-ZS',
      created_at: 1_765_000_100_000,
      entries: chosen.map((c) => ({ ...c, received_at: null, received_by: null })),
    }
    this.flows.push(flow)
    return ok({ flow, printed: true, message: `已发起物料流转 ${flow.no}（${chosen.length} 件），流转单已打印。` })
  }

  async reprint(no: string): Promise<Result<FlowDone>> {
    const flow = this.flows.find((f) => f.no === no)
    return flow ? ok({ flow, printed: true, message: '流转单已打印。' }) : err('flow.unknown', '没有找到该流转单，请核对流转单号。')
  }

  async find(no: string): Promise<Result<FlowFound>> {
    const flow = this.flows.find((f) => f.no === no.trim())
    return flow ? ok({ flow: structuredClone(flow), offline: false }) : err('flow.unknown', '没有找到该流转单，请核对流转单号。')
  }

  async sign(no: string, caseIds: string[]): Promise<Result<FlowSigned>> {
    const flow = this.flows.find((f) => f.no === no)
    if (!flow) return err('flow.unknown', '没有找到该流转单，请核对流转单号。')
    const todo = flow.entries.filter((e) => caseIds.includes(e.case_id) && e.received_at === null)
    if (!todo.length) return err('flow.already_signed', '所选办件的材料已签收，无需重复签收。')
    for (const e of todo) Object.assign(e, { received_at: 1_765_000_200_000, received_by: 'T-LS' })
    return ok({ case_nos: todo.map((e) => e.case_no), offline: false, message: `已签收 ${todo.length} 件（本单共 ${flow.entries.length} 件）。` })
  }
}
