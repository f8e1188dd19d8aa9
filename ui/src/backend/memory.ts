// In-memory Backend for component tests and UI work without the workstation process.
import type {
  AppInfo,
  CardEvent,
  EnrollmentStatus,
  LibraryStatus,
  LoginKey,
  Permission,
  PresenceEvent,
  ScanEvent,
  ShellStatus,
  SyncOverview,
  SyncStatus,
  UserError,
} from '../bindings'
import type { Backend, Result } from './backend'
import { MemoryVisit } from './memoryVisit'
import { MemoryCamera } from './memoryCamera'
import { MemoryIntake } from './memoryIntake'
import { MemoryIssuing } from './memoryIssuing'
import { MemoryFlow } from './memoryFlow'
import { MemoryLicences } from './memoryLicences'
import { MemoryAssist } from './memoryAssist'
import { MemoryMaintenance } from './memoryMaintenance'
import { pinRule } from '../clerk/pinRules'

export function sampleStatus(overrides: Partial<ShellStatus> = {}): ShellStatus {
  return {
    hall_name: '市政务服务中心',
    window_number: 12,
    window_name: '综合受理窗口',
    utc_offset_minutes: 480,
    clerk: null,
    backend: { state: 'reachable', latency_ms: 3 },
    devices: [
      { slot: 'id_card', name: '身份证读卡器', driver: 'simulator', state: { state: 'not_opened' } },
      { slot: 'ukey', name: 'UKey', driver: 'simulator', state: { state: 'not_opened' } },
    ],
    pending_sync: 0,
    locked: false,
    session_ended: null,
    update_available: null,
    ...overrides,
  }
}

/** A sync status with nothing pending and one earlier success. */
export function sampleSync(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    phase: 'idle',
    pending_records: 0,
    pending_blobs: 0,
    pending_blob_bytes: 0,
    parked_records: 0,
    parked_blobs: 0,
    oldest_pending_at: null,
    last_success_at: 1_700_000_000_000,
    last_attempt_at: 1_700_000_000_000,
    last_error: null,
    next_retry_at: null,
    upload: null,
    all_synced: true,
    ...overrides,
  }
}

export class MemoryBackend implements Backend {
  status: ShellStatus
  info: AppInfo
  rendered: string[] = []
  private listeners = new Set<(s: ShellStatus) => void>()
  private cardListeners = new Set<(e: CardEvent) => void>()
  private scanListeners = new Set<(e: ScanEvent) => void>()
  /** Sample cards the simulated reader knows, as in the Rust simulator. */
  samples: Record<string, CardEvent> = {}
  simulated: string[] = []
  /** Faults set on the simulated printer; a print fails while 'paper-out' is set. */
  printerFaults = new Set<string>()
  printed = 0
  /** UKeys "plugged in"; the PIN of each key; wrong PINs count down `retries_left`. */
  keys: LoginKey[] = []
  /** What a clerk logging in here may do (A4); a test narrows it before the login. */
  permissions: Permission[] = ['accept', 'query', 'export', 'reprint', 'change']
  pins: Record<string, string> = {}
  private ukeyListeners = new Set<(e: PresenceEvent) => void>()
  /** Enrolled by default; a test sets `enrolled: false` and the code IT would type. */
  enrollment: EnrollmentStatus = {
    backend_configured: true,
    enrolled: true,
    workstation_id: '441500-12',
    desk_id: '441500-12',
    enrolled_at: 1_700_000_000_000,
    problem: null,
  }
  enrollCode = 'ABCD-EFGH-JKMN'
  intake = new MemoryIntake()
  camera = new MemoryCamera()
  visit = new MemoryVisit()
  issuing = new MemoryIssuing()
  flow = new MemoryFlow()
  licences = new MemoryLicences()
  assist = new MemoryAssist()
  maintenance = new MemoryMaintenance()
  /** What the sync page reads; `syncNow` counts its calls and runs `onSyncNow` if set. */
  sync: SyncOverview = { status: sampleSync(), parked_records: [], parked_blobs: [] }
  syncNowCalls = 0
  onSyncNow: (() => void) | null = null
  private syncListeners = new Set<(s: SyncStatus) => void>()

  constructor(status: ShellStatus = sampleStatus(), info: Partial<AppInfo> = {}) {
    this.status = status
    this.info = {
      product: '一窗受理工作站',
      version: '0.0.0-test',
      config_path: '/tmp/workstation.toml',
      data_dir: '/tmp/yichuang',
      startup_error: null,
      ...info,
    }
  }

  async appInfo() {
    return structuredClone(this.info)
  }

  async shellStatus() {
    return structuredClone(this.status)
  }

  async onShellStatus(listener: (s: ShellStatus) => void) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async uiRendered(view: string) {
    this.rendered.push(view)
  }

  async onCardEvent(listener: (e: CardEvent) => void) {
    this.cardListeners.add(listener)
    return () => this.cardListeners.delete(listener)
  }

  async simulateCard(sample: string) {
    const event = this.samples[sample]
    if (!event) {
      return {
        status: 'error' as const,
        error: { code: 'id_card.sample' as const, message: '没有这种示例证件。', detail: sample },
      }
    }
    this.simulated.push(sample)
    this.emitCard(event)
    return { status: 'ok' as const, data: null }
  }

  async simulateCardRemoval() {
    this.simulated.push('remove')
    this.emitCard({ type: 'removed' })
    return { status: 'ok' as const, data: null }
  }

  async printTestSlip() {
    if (this.printerFaults.has('paper-out')) {
      return {
        status: 'error' as const,
        error: { code: 'receipt_printer.needs_attention' as const, message: '打印机缺纸，请装入新的纸卷后重试。', detail: 'PaperOut' },
      }
    }
    this.printed += 1
    return { status: 'ok' as const, data: { message: '测试小票已打印。', bytes_sent: 505 } }
  }

  async printTestPage() {
    this.printed += 1
    return {
      status: 'ok' as const,
      data: { message: 'A4打印机测试页已打印。', job_id: 1, pdf_bytes: 30000, saved_to: null },
    }
  }

  async simulatePrinterFault(fault: string, on: boolean) {
    if (on) this.printerFaults.add(fault)
    else this.printerFaults.delete(fault)
    return { status: 'ok' as const, data: null }
  }

  async onScan(listener: (e: ScanEvent) => void) {
    this.scanListeners.add(listener)
    return () => this.scanListeners.delete(listener)
  }

  async simulateScan(text: string) {
    const scan: ScanEvent = { text, symbology: null, raw_len: new TextEncoder().encode(text).length }
    for (const l of this.scanListeners) l(structuredClone(scan))
    return { status: 'ok' as const, data: null }
  }

  async loginKeys() {
    return { status: 'ok' as const, data: structuredClone(this.keys) }
  }

  private checkPin(keyId: string, pin: string): UserError | null {
    const key = this.keys.find((k) => k.id === keyId)
    if (!key) return { code: 'ukey.no_key', message: '未检测到UKey，请插入本人的UKey。', detail: keyId }
    if (key.pin.locked) return { code: 'ukey.pin_locked', message: 'UKey已锁定，请联系管理员解锁。', detail: '' }
    if (this.pins[keyId] !== pin) {
      const left = Math.max(0, (key.pin.retries_left ?? 1) - 1)
      key.pin.retries_left = left
      if (left === 0) {
        key.pin.locked = true
        return { code: 'ukey.pin_locked', message: 'UKey已锁定，请联系管理员解锁。', detail: '' }
      }
      return { code: 'ukey.pin_incorrect', message: `PIN码错误，还可重试${left}次。`, detail: '' }
    }
    return null
  }

  async login(keyId: string, certId: string, pin: string) {
    const error = this.checkPin(keyId, pin)
    if (error) return { status: 'error' as const, error }
    const key = this.keys.find((k) => k.id === keyId)
    const cert = key?.certificates.find((c) => c.id === certId)
    this.push({
      clerk: {
        id: 'c-' + keyId,
        name: cert?.subject_cn ?? '?',
        department: '户政科',
        post: '综合窗口受理员',
        permissions: [...this.permissions],
        items: { kind: 'all' },
        mode: 'online',
        ukey_default_pin: key?.pin.default_pin ?? false,
      },
      locked: false,
    })
    return { status: 'ok' as const, data: structuredClone(this.status) }
  }

  async unlock(pin: string) {
    const keyId = this.status.clerk?.id.replace(/^c-/, '') ?? ''
    const error = this.checkPin(keyId, pin)
    if (error) return { status: 'error' as const, error }
    this.push({ locked: false })
    return { status: 'ok' as const, data: structuredClone(this.status) }
  }

  async logout() {
    this.push({ clerk: null, locked: false })
    return structuredClone(this.status)
  }

  /** The desk's UKey libraries (A2); a test adds a failed one. */
  libraries: LibraryStatus[] = []

  async ukeyLibraries() {
    return { status: 'ok' as const, data: structuredClone(this.libraries) }
  }

  /** As the workstation: the rules first (no try spent), then the old PIN on the key. */
  async changePin(oldPin: string, newPin: string, confirm: string) {
    const keyId = this.status.clerk?.id.replace(/^c-/, '') ?? ''
    const rule = pinRule(oldPin, newPin, confirm)
    if (rule) return { status: 'error' as const, error: { ...rule, detail: '' } }
    const error = this.checkPin(keyId, oldPin)
    if (error) return { status: 'error' as const, error }
    this.pins[keyId] = newPin
    const clerk = this.status.clerk
    if (clerk) this.push({ clerk: { ...clerk, ukey_default_pin: false } })
    return { status: 'ok' as const, data: structuredClone(this.status) }
  }

  async enrollmentStatus() {
    return structuredClone(this.enrollment)
  }

  async enroll(code: string) {
    const norm = (c: string) => c.replace(/[^0-9a-z]/gi, '').toUpperCase()
    if (norm(code) === '') {
      return { status: 'error' as const, error: { code: 'enroll.code_empty' as const, message: '请输入运维人员提供的注册码。', detail: '' } }
    }
    if (norm(code) !== norm(this.enrollCode)) {
      const message = '中心服务拒绝了注册：注册码无效、已使用或已过期，请向管理员重新申请注册码。'
      return { status: 'error' as const, error: { code: 'enroll.refused' as const, message, detail: 'HTTP 403' } }
    }
    this.enrollment = { ...this.enrollment, enrolled: true, workstation_id: this.enrollment.desk_id, problem: null }
    this.sync = { ...this.sync, status: { ...this.sync.status, phase: 'idle' } }
    return { status: 'ok' as const, data: structuredClone(this.enrollment) }
  }

  async onUkeyChanged(listener: (e: PresenceEvent) => void) {
    this.ukeyListeners.add(listener)
    return () => this.ukeyListeners.delete(listener)
  }

  /** Test helper: plug a key in (or pull it out), as the UKey watch would report. */
  plugKey(key: LoginKey | null, pulled?: string) {
    if (key) {
      this.keys.push(key)
      const info = { id: key.id, backend: key.backend, serial: key.id, label: key.label, manufacturer: key.manufacturer, model: '', algorithms: [] }
      for (const l of this.ukeyListeners) l({ event: 'inserted', key: info })
    } else if (pulled) {
      const gone = this.keys.find((k) => k.id === pulled)
      this.keys = this.keys.filter((k) => k.id !== pulled)
      if (gone) {
        const info = { id: gone.id, backend: gone.backend, serial: gone.id, label: gone.label, manufacturer: gone.manufacturer, model: '', algorithms: [] }
        for (const l of this.ukeyListeners) l({ event: 'removed', key: info })
      }
    }
  }

  async syncStatus(): Promise<Result<SyncOverview>> {
    return { status: 'ok' as const, data: structuredClone(this.sync) }
  }

  /** Refused records and files go back to pending, as the store does. */
  async syncRetryParked(): Promise<Result<SyncOverview>> {
    const n = this.sync.parked_records.length
    this.sync.status.pending_records += n
    this.sync.status.parked_records = 0
    this.sync.status.parked_blobs = 0
    this.sync.parked_records = []
    this.sync.parked_blobs = []
    return { status: 'ok' as const, data: structuredClone(this.sync) }
  }

  async syncNow(): Promise<Result<SyncOverview>> {
    this.syncNowCalls += 1
    this.onSyncNow?.()
    return { status: 'ok' as const, data: structuredClone(this.sync) }
  }

  async onSyncStatus(listener: (s: SyncStatus) => void) {
    this.syncListeners.add(listener)
    return () => this.syncListeners.delete(listener)
  }

  /** Test helper: change the sync status as the sync loop would, and notify listeners. */
  pushSync(change: Partial<SyncStatus>) {
    this.sync = { ...this.sync, status: { ...this.sync.status, ...change } }
    for (const l of this.syncListeners) l(structuredClone(this.sync.status))
  }

  /** Test helper: a reader event, as the workstation would send it. */
  emitCard(event: CardEvent) {
    for (const l of this.cardListeners) l(structuredClone(event))
  }

  /** Test helper: change the status as the workstation would, and notify listeners. */
  push(change: Partial<ShellStatus>) {
    this.status = { ...this.status, ...change }
    for (const l of this.listeners) l(structuredClone(this.status))
  }
}
