// The one clock of both windows: every date and time the clerk and the citizen see, in zh-CN
// form, in the hall's time zone. The zone comes from the workstation (the shell status's
// `utc_offset_minutes`, China Standard Time by default), never from the machine's settings, so
// a machine left on UTC shows the same 08:34 on the clerk's drafts and the citizen's clock.
import { ref } from 'vue'

/** UTC+8 until the workstation's status says otherwise. */
const offsetMinutes = ref(480)

/** Takes the hall's offset from the shell status. */
export function setHallOffset(minutes: number) {
  if (Number.isFinite(minutes)) offsetMinutes.value = minutes
}

export function hallOffset(): number {
  return offsetMinutes.value
}

/** The wall-clock fields of `ms` in the hall. */
export interface HallParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 = 星期日 … 6 = 星期六. */
  weekday: number
}

export function hallParts(ms: number): HallParts {
  const d = new Date(ms + offsetMinutes.value * 60_000)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  }
}

const p2 = (n: number) => String(n).padStart(2, '0')

/** 「2026-11-23」; empty for an unknown time. */
export function formatDate(ms: number | null | undefined): string {
  if (ms == null) return ''
  const t = hallParts(ms)
  return `${t.year}-${p2(t.month)}-${p2(t.day)}`
}

/** 「2026-11-23 08:34」; empty for an unknown time. */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms == null) return ''
  const t = hallParts(ms)
  return `${formatDate(ms)} ${p2(t.hour)}:${p2(t.minute)}`
}

/** 「2026-11-23 08:34:05」; 「—」 for an unknown time (the sync page's facts). */
export function formatDateTimeSeconds(ms: number | null | undefined): string {
  if (ms == null) return '—'
  return `${formatDateTime(ms)}:${p2(hallParts(ms).second)}`
}

const WEEKDAYS = '日一二三四五六'

/** The citizen screen's clock: 「2026年11月23日 星期一 08:34」. */
export function formatClock(ms: number): string {
  const t = hallParts(ms)
  return `${t.year}年${t.month}月${t.day}日 星期${WEEKDAYS[t.weekday]} ${p2(t.hour)}:${p2(t.minute)}`
}

/** 「20261123」: the hall's date as codes carry it. */
export function compactDate(ms: number): string {
  return formatDate(ms).replace(/-/g, '')
}

/** The hall's today as a local `Date` at midnight, for a date picker to open at (the picker
 * works in the machine's zone; only the calendar day matters). */
export function hallTodayForPicker(nowMs: number = Date.now()): Date {
  const t = hallParts(nowMs)
  return new Date(t.year, t.month - 1, t.day)
}
