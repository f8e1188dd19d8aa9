// Chinese wording of the sync status (status bar and sync page). Pure functions of the
// status and the current time, so the tests pass the time in.
import type { SyncPhase, SyncStatus } from '../bindings'

// Times and sizes come as `number | null` (specta's f64); null reads as unknown.

/** "3分钟", "2小时", "5天"; under a minute: "不到1分钟". */
export function ageLabel(sinceMs: number | null, nowMs: number): string {
  if (sinceMs === null) return '—'
  const s = Math.max(0, Math.floor((nowMs - sinceMs) / 1000))
  if (s < 60) return '不到1分钟'
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}分钟`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}小时`
  return `${Math.floor(h / 24)}天`
}

export function phaseLabel(phase: SyncPhase): string {
  switch (phase) {
    case 'not_configured':
      return '未配置中心服务（数据仅保存在本机）'
    case 'not_enrolled':
      return '未注册（本工作站尚未注册，数据仅保存在本机）'
    case 'idle':
      return '空闲'
    case 'syncing':
      return '正在同步'
    case 'waiting_retry':
      return '上次同步失败，等待重试'
  }
}

export function bytesLabel(n: number | null): string {
  if (n === null) return '—'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`
}

/** What the status bar says about sync. */
export interface SyncSummary {
  /** Records and files not yet on the server. */
  pending: number
  /** Refused by the server: need a person. */
  parked: number
  /** True only when nothing is pending or parked and a sync has succeeded. */
  synced: boolean
  label: string
  tone: 'ok' | 'warn' | 'bad' | 'idle'
}

/**
 * The status bar's sync item. `shellPending` is the outbox count of the shell status: the
 * larger of the two counts wins, so a record written a moment ago never shows as synced.
 */
export function syncSummary(shellPending: number, sync: SyncStatus | null): SyncSummary {
  const pending = Math.max(shellPending, sync?.pending_records ?? 0) + (sync?.pending_blobs ?? 0)
  const parked = (sync?.parked_records ?? 0) + (sync?.parked_blobs ?? 0)
  const synced =
    pending === 0 &&
    parked === 0 &&
    sync !== null &&
    sync.all_synced &&
    sync.phase !== 'not_configured' &&
    sync.phase !== 'not_enrolled' &&
    sync.last_success_at !== null
  if (sync?.phase === 'not_enrolled') {
    const label = pending > 0 ? `未注册：${pending} 条待同步` : '未注册'
    return { pending, parked, synced, label, tone: 'bad' }
  }
  if (pending > 0) return { pending, parked, synced, label: `待同步：${pending} 条`, tone: 'warn' }
  if (parked > 0) return { pending, parked, synced, label: `被拒收：${parked} 条待处理`, tone: 'bad' }
  if (synced) return { pending, parked, synced, label: '已同步', tone: 'ok' }
  return { pending, parked, synced, label: '待同步：0', tone: 'idle' }
}

/** The head of a Chinese error message, for the status bar: up to the first （ ， or 。. */
export function shortError(message: string): string {
  const cut = message.search(/[（，。(,]/)
  return cut > 0 ? message.slice(0, cut) : message
}
