// Updates and diagnostics in memory, for component tests: a newer release offered, verified
// when `signatureOk`, refused as core refuses it otherwise; a bundle kept unsent when
// `online` is false.
import type { DiagnosticsDone, UpdateOffer, UpdateState, UserError } from '../bindings'
import type { Result } from './backend'
import type { MaintenanceApi } from './maintenance'

const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })
const error = (code: UserError['code'], message: string): UserError => ({ code, message, detail: '' })

export class MemoryMaintenance implements MaintenanceApi {
  offer: UpdateOffer | null = {
    target: 'linux-x86_64-deb',
    version: '0.2.0',
    size: 1024,
    sha256: '0'.repeat(64),
    signature: 'untrusted comment: test',
    notes: '修复打印问题',
    published_at: 1_765_000_000_000,
    file: '/api/v1/updates/linux-x86_64-deb/0.2.0/file',
  }
  signatureOk = true
  online = true
  installs = 0
  state: UpdateState = {
    running: '0.1.0',
    target: 'linux-x86_64-deb',
    enabled: true,
    checked_at: null,
    available: null,
    verified: null,
    error: null,
  }

  async updateState(): Promise<Result<UpdateState>> {
    return ok(structuredClone(this.state))
  }

  async updateCheck(): Promise<Result<UpdateState>> {
    this.state = { ...this.state, available: this.offer, checked_at: Date.now(), error: null }
    return ok(structuredClone(this.state))
  }

  async updateDownload(): Promise<Result<UpdateState>> {
    if (!this.state.available) return { status: 'error', error: error('update.nothing', '没有已校验的新版本，请先检查更新并下载。') }
    if (!this.signatureOk) {
      const e = error('update.signature_invalid', '更新包签名无效（不是本大厅信任的发布密钥签发，或文件已被篡改），已拒绝并删除。')
      this.state = { ...this.state, verified: null, error: e }
      return { status: 'error', error: e }
    }
    this.state = { ...this.state, verified: this.state.available.version, error: null }
    return ok(structuredClone(this.state))
  }

  async updateInstall(): Promise<Result<UpdateState>> {
    this.installs += 1
    return ok(structuredClone(this.state))
  }

  async diagnostics(): Promise<Result<DiagnosticsDone>> {
    return ok({
      file: '/var/lib/yichuang/diagnostics/diag-441500-12-20261207-0930-1.zip',
      size: 20480,
      uploaded: this.online ? '0190c0de-0000-7000-8000-000000000001' : null,
      upload_error: this.online
        ? null
        : error('diagnostics.not_sent', '诊断包已保存在本机，暂未上传到中心服务；中心服务恢复连接后自动上传。'),
    })
  }
}
