// Chinese wording of the workstation's states, shared by both windows.
import type { BackendStatus, DeviceState } from './bindings'

export function backendLabel(s: BackendStatus): string {
  switch (s.state) {
    case 'not_configured':
      return '中心服务：未配置（仅离线办理）'
    case 'checking':
      return '中心服务：检测中…'
    case 'reachable':
      return '中心服务：已连接'
    case 'unreachable':
      return '中心服务：无法连接（离线办理）'
  }
}

export function deviceStateLabel(s: DeviceState): string {
  switch (s.state) {
    case 'not_installed':
      return '未安装'
    case 'not_opened':
      return '未启用'
    case 'connected':
      return '已连接'
    case 'disconnected':
      return '未连接'
    case 'error':
      return `故障：${s.message}`
  }
}

/** Status-bar colour class for a device or backend state. */
export function stateTone(state: string): 'ok' | 'warn' | 'bad' | 'idle' {
  if (state === 'reachable' || state === 'connected') return 'ok'
  if (state === 'unreachable' || state === 'disconnected' || state === 'error') return 'bad'
  if (state === 'checking') return 'warn'
  return 'idle'
}
