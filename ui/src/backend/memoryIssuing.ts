// The issuing API in memory, for component tests: one ready result, handed over once.
import type { Attachment, HandoverDone, HandoverInput, IssueCandidate, IssueFound, IssueQuery } from '../bindings'
import type { Result } from './backend'
import type { IssuingApi } from './issuing'

const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })

export class MemoryIssuing implements IssuingApi {
  candidates: IssueCandidate[] = [
    {
      case_id: 'c-1',
      case_no: '441500202612060030001',
      item_name: '户籍证明',
      applicant: '张* 4415**********123X',
      progress: 'ready',
      ready: true,
      held_here: false,
    },
  ]
  handovers: HandoverInput[] = []

  async find(query: IssueQuery): Promise<Result<IssueFound>> {
    const hits = query.by === 'card' ? this.candidates : this.candidates.filter((c) => c.case_no === query.text.trim())
    return ok({ candidates: hits, offline: false })
  }

  async handover(input: HandoverInput): Promise<Result<HandoverDone>> {
    this.handovers.push(input)
    for (const c of this.candidates) if (input.case_ids.includes(c.case_id)) c.progress = 'picked_up'
    return ok({ case_nos: input.case_ids, message: `已登记领取 ${input.case_ids.length} 件，领取凭证已打印。`, offline: false })
  }

  async photo(): Promise<Result<Attachment>> {
    return ok({ sha256: 'ab'.repeat(32), name: '交接照片.jpg', size: 1000, pages: 1, mime: 'image/jpeg' })
  }
}
