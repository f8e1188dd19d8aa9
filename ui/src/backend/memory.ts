// In-memory Backend for component tests and UI work without the workstation process.
import type { AppInfo, ShellStatus } from '../bindings'
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

  /** Test helper: change the status as the workstation would, and notify listeners. */
  push(change: Partial<ShellStatus>) {
    this.status = { ...this.status, ...change }
    for (const l of this.listeners) l(structuredClone(this.status))
  }
}
