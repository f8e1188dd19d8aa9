// The status bar's compact wording (issue 14): at 1366 px the bar holds the clerk, the
// window, the server, six devices and the sync figures on one line in every state, so each
// item shows a short word and a colour dot, and its full sentence goes into the tooltip.
// Pure functions of the status, tested without a window.
import type { BackendStatus, DeviceStatus, ShellStatus } from '../bindings'
import { backendLabel, deviceStateLabel } from '../labels'
import { shortError } from './syncFormat'

/** A bar item: the words shown and the full sentence of its tooltip. */
export interface BarText {
  text: string
  title: string
}

// Short device names for the bar; the full name is in the tooltip.
const SHORT_NAMES: Record<string, string> = {
  id_card: '读卡器',
  receipt_printer: '小票机',
  a4_printer: 'A4打印机',
  scanner: '扫码枪',
  camera: '高拍仪',
  ukey: 'UKey',
}

/** Longest fault text the bar shows as it is (「打印机缺纸」); a longer one reads 「<name>故障」. */
const FAULT_CHARS = 6
/** Longest clerk name shown whole; a longer one is shortened with 「…」 (full in the tooltip). */
const NAME_CHARS = 6
/** Longest sync error head shown after 「同步失败：」. */
const SYNC_ERROR_CHARS = 10

function clip(s: string, n: number): string {
  const chars = Array.from(s)
  return chars.length <= n ? s : chars.slice(0, n - 1).join('') + '…'
}

export function clerkText(s: ShellStatus): BarText {
  const c = s.clerk
  if (!c) return { text: '受理人：未登录', title: '未登录' }
  return { text: `受理人：${clip(c.name, NAME_CHARS)}`, title: `受理人：${c.name}（${c.department}）` }
}

export function windowText(s: ShellStatus): BarText {
  const name = s.window_name ? ` ${s.window_name}` : ''
  return { text: `${s.window_number}号窗口`, title: `${s.hall_name} · ${s.window_number}号窗口${name}` }
}

/** 「中心服务：已连接 / 无法连接 / 未配置 / 检测中…」; why and what it means in the tooltip. */
export function backendText(b: BackendStatus): BarText {
  const title = backendLabel(b)
  switch (b.state) {
    case 'reachable':
      return { text: '中心服务：已连接', title: `${title}（${b.latency_ms} 毫秒）` }
    case 'unreachable':
      return { text: '中心服务：无法连接', title }
    case 'not_configured':
      return { text: '中心服务：未配置', title }
    case 'checking':
      return { text: '中心服务：检测中…', title }
  }
}

/**
 * A device in the bar: its short name alone when connected, not installed or not enabled
 * (the dot's colour tells which), 「<name>断开」 when unplugged, and the head of the fault
 * (「打印机缺纸」) or 「<name>故障」 when it fails.
 */
export function deviceText(d: DeviceStatus): BarText {
  const short = SHORT_NAMES[d.slot] ?? clip(d.name, 5)
  const title = `${d.name}：${deviceStateLabel(d.state)}`
  switch (d.state.state) {
    case 'disconnected':
      return { text: `${short}断开`, title }
    case 'error': {
      const head = shortError(d.state.message)
      return { text: Array.from(head).length <= FAULT_CHARS ? head : `${short}故障`, title }
    }
    default:
      return { text: short, title }
  }
}

/** 「同步失败：无法连接中心服务」; a long message shows only 「同步失败」. */
export function syncErrorText(message: string): string {
  const head = shortError(message)
  return Array.from(head).length <= SYNC_ERROR_CHARS ? `同步失败：${head}` : '同步失败'
}
