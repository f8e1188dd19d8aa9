// The one clock (issue 14): both windows show the hall's time, whatever the machine's zone.
import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import { useShellStore } from '../src/stores/shell'
import {
  compactDate,
  formatClock,
  formatDate,
  formatDateTime,
  formatDateTimeSeconds,
  hallOffset,
  hallTodayForPicker,
  setHallOffset,
} from '../src/time'

// 2026-11-23 00:34:05 UTC: 08:34 in the hall (UTC+8), still the 22nd in New York.
const AT = Date.UTC(2026, 10, 23, 0, 34, 5)
// The machine's zone, changed between assertions (Node reads TZ again when it changes).
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const zone = env.TZ

afterEach(() => {
  if (zone === undefined) delete env.TZ
  else env.TZ = zone
  setHallOffset(480)
})

describe('hall time', () => {
  it('formats in the hall zone whatever the machine zone', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai']) {
      env.TZ = tz
      expect(formatDateTime(AT), tz).toBe('2026-11-23 08:34')
      expect(formatDateTimeSeconds(AT), tz).toBe('2026-11-23 08:34:05')
      expect(formatDate(AT), tz).toBe('2026-11-23')
      expect(formatClock(AT), tz).toBe('2026年11月23日 星期一 08:34')
      expect(compactDate(AT), tz).toBe('20261123')
      const d = hallTodayForPicker(AT)
      expect([d.getFullYear(), d.getMonth() + 1, d.getDate()], tz).toEqual([2026, 11, 23])
    }
  })

  it('crosses midnight at the hall midnight', () => {
    env.TZ = 'UTC'
    expect(formatDateTime(Date.UTC(2026, 10, 22, 15, 59))).toBe('2026-11-22 23:59')
    expect(formatDateTime(Date.UTC(2026, 10, 22, 16, 0))).toBe('2026-11-23 00:00')
  })

  it('says nothing for an unknown time', () => {
    expect(formatDateTime(null)).toBe('')
    expect(formatDate(undefined)).toBe('')
    expect(formatDateTimeSeconds(null)).toBe('—')
  })

  it('takes the hall offset from the workstation status', async () => {
    setActivePinia(createPinia())
    const shell = useShellStore()
    const backend = new MemoryBackend(sampleStatus({ utc_offset_minutes: 540 }))
    await shell.start(backend)
    await flushPromises()
    expect(hallOffset()).toBe(540)
    env.TZ = 'UTC'
    expect(formatDateTime(AT)).toBe('2026-11-23 09:34')
    shell.stop()
  })
})
