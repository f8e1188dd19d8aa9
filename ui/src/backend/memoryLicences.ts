// The licence API in memory, for component tests: one holder with a valid 户口簿 licence and a
// revoked one; the workstation's refusals as core words them.
import type {
  FeedbackRequest,
  ItemLicences,
  LicenceAttachQuery,
  LicenceAttached,
  LicenceDownload,
  LicenceFileQuery,
  LicencePreview,
  LicenceQuery,
  LicenceView,
  UserError,
} from '../bindings'
import type { Result } from './backend'
import type { LicenceApi } from './licences'

const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })
const err = (code: UserError['code'], message: string): Result<never> => ({ status: 'error', error: { code, message, detail: '' } })

export function sampleLicence(identifier: string, status: LicenceView['status'] = 'valid'): LicenceView {
  return {
    identifier,
    type_code: '11100000000013338W002',
    type_name: '居民户口簿电子证照',
    holder_name: '张三',
    issuer_code: '11441500MB2C12345X',
    issuer_name: '某市公安局',
    issued_on: '2023-01-05',
    valid_until: null,
    status,
    status_label: status === 'valid' ? '有效' : status === 'revoked' ? '已吊销' : '已过期',
    revoked_reason: status === 'revoked' ? '户口迁出' : null,
    file_format: 'pdf',
    file_size: 2048,
    signature_check: 'verified',
  }
}

export class MemoryLicences implements LicenceApi {
  /** `null`: no card read (core refuses the lookup). */
  cardRead = true
  licences: LicenceView[] = [sampleLicence('L-VALID'), sampleLicence('L-REVOKED', 'revoked')]
  lookups: LicenceQuery[] = []
  feedbacks: FeedbackRequest[] = []

  async lookup(query: LicenceQuery): Promise<Result<ItemLicences>> {
    if (!this.cardRead) return err('licence.no_card', '请先读取办事人身份证，再查询电子证照（禁止手工输入证件号码查询）。')
    this.lookups.push(query)
    const found = this.licences.length > 0
    return ok({
      item: query.item,
      item_name: '户籍证明',
      elapsed_ms: 3,
      results: [
        {
          type_code: '11100000000013338W002',
          type_name: '居民户口簿电子证照',
          material_ids: ['m2'],
          outcome: found ? 'found' : 'none',
          label: found ? '成功' : '无证件信息',
          licences: this.licences,
        },
      ],
    })
  }

  async preview(query: LicenceFileQuery): Promise<Result<LicencePreview>> {
    return ok({
      identifier: query.identifier,
      content_type: 'application/pdf',
      size: 2048,
      pages: 1,
      texts: ['居民户口簿\n户主 张三'],
      signatures: [],
      signature_problem: null,
    })
  }

  async download(query: LicenceFileQuery): Promise<Result<LicenceDownload>> {
    return ok({ path: `/data/exports/${query.identifier}.pdf`, size: 2048 })
  }

  async feedback(feedback: FeedbackRequest): Promise<Result<string>> {
    this.feedbacks.push(feedback)
    return ok(`fb-${this.feedbacks.length}`)
  }

  async attach(query: LicenceAttachQuery): Promise<Result<LicenceAttached>> {
    const l = this.licences.find((x) => x.identifier === query.identifier)
    if (!l) return err('licence.invalid', '电子证照查询的信息有误（如统一社会信用代码校验位不符），请核对。')
    if (l.status !== 'valid') return err('licence.not_valid', `该电子证照${l.status_label}（原因：${l.revoked_reason}），不能代替纸质材料，请收取纸质材料。`)
    return ok({
      attachment: { sha256: `sha-${l.identifier}`, name: `${l.type_name}.pdf`, size: 2048, pages: 1, mime: 'application/pdf' },
      licence: {
        identifier: l.identifier,
        type_code: l.type_code,
        type_name: l.type_name,
        issuer_name: l.issuer_name,
        issued_on: l.issued_on,
        valid_until: l.valid_until,
        signature_check: l.signature_check,
        sha256: `sha-${l.identifier}`,
      },
    })
  }
}
