// In-memory Backend for component tests and UI work without the workstation process.
import type { AppInfo, CardEvent, ScanEvent, ShellStatus } from '../bindings'
import type { Backend } from './backend'

export function sampleStatus(overrides: Partial<ShellStatus> = {}): ShellStatus {
  return {
    hall_name: '市政务服务中心',
    window_number: 12,
    window_name: '综合受理窗口',
    clerk: null,
    backend: { state: 'reachable', latency_ms: 3 },
    devices: [
      { slot: 'id_card', name: '身份证读卡器', driver: 'simulator', state: { state: 'not_opened' } },
      { slot: 'ukey', name: 'UKey', driver: 'simulator', state: { state: 'not_opened' } },
    ],
    pending_sync: 0,
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
        error: { code: 'id_card.sample', message: '没有这种示例证件。', detail: sample },
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
        error: { code: 'receipt_printer.needs_attention', message: '打印机缺纸，请装入新的纸卷后重试。', detail: 'PaperOut' },
      }
    }
    this.printed += 1
    return { status: 'ok' as const, data: { message: '测试小票已打印。', bytes_sent: 505 } }
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
