// The status bar's states at 1366 px (issue 14): short words with the full sentence in the
// tooltip, and a width estimate of the busiest state that must fit one line. jsdom has no
// layout; the real measurement is the E2E test tests/tests/layout.rs.
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import App from '../src/clerk/App.vue'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import type { DeviceStatus, Permission, ShellStatus } from '../src/bindings'
import { mountWith } from './mount'

const clerk = {
  id: 'T-QQ',
  name: '钱七',
  department: '区政务服务中心',
  post: '综合窗口',
  permissions: [] as Permission[],
  items: { kind: 'all' as const },
  mode: 'online' as const,
  ukey_default_pin: false,
}

function devices(state: DeviceStatus['state']): DeviceStatus[] {
  return [
    ['id_card', '身份证读卡器'],
    ['scanner', '扫码枪'],
    ['camera', '高拍仪'],
    ['receipt_printer', '小票打印机'],
    ['a4_printer', 'A4打印机'],
    ['ukey', 'UKey'],
  ].map(([slot, name]) => ({ slot, name, driver: 'simulator', state }))
}

/** Width in px at the bar's 13 px font: a CJK character is 1 em, anything else about 0.6 em. */
function textWidth(s: string): number {
  return Array.from(s).reduce((w, ch) => w + (/[\u2E80-\uFFFF]/.test(ch) ? 13 : 8), 0)
}

/** The bar's one-line width: items' text, a 12 px dot per dot item, the gaps and padding. */
function barWidth(w: Awaited<ReturnType<typeof mountWith>>): number {
  const items = w.findAll('.status-bar > .item')
  const devices = w.findAll('[data-slot]')
  let width = 24 + 12 * (items.length - 1) + 8 * (devices.length - 1)
  for (const el of [...items.filter((i) => !i.classes('devices')), ...devices]) {
    width += textWidth(el.text()) + (el.classes('dot') ? 12 : 0)
  }
  return width
}

async function bar(status: Partial<ShellStatus>) {
  const backend = new MemoryBackend(sampleStatus({ clerk, devices: devices({ state: 'connected' }), ...status }))
  const w = await mountWith(App, backend)
  return { backend, w }
}

describe('status bar at 1366 px (issue 14)', () => {
  it('online, all devices connected: short words, full sentences in the tooltips', async () => {
    const { w } = await bar({})
    expect(w.find('[data-testid="status-clerk"]').text()).toBe('受理人：钱七')
    expect(w.find('[data-testid="status-clerk"]').attributes('title')).toBe('受理人：钱七（区政务服务中心）')
    expect(w.find('[data-testid="status-window"]').text()).toBe('12号窗口')
    expect(w.find('[data-testid="status-window"]').attributes('title')).toBe('市政务服务中心 · 12号窗口 综合受理窗口')
    expect(w.find('[data-testid="status-backend"]').text()).toBe('中心服务：已连接')
    const slots = w.findAll('[data-slot]').map((d) => d.text())
    expect(slots).toEqual(['读卡器', '扫码枪', '高拍仪', '小票机', 'A4打印机', 'UKey'])
    expect(w.find('[data-slot="id_card"]').attributes('title')).toBe('身份证读卡器：已连接')
    expect(barWidth(w)).toBeLessThan(1366)
  })

  it('offline: 无法连接 with the reason in the tooltip, and the header tag is not green', async () => {
    const { w } = await bar({ backend: { state: 'unreachable', reason: 'connection refused' } })
    const backend = w.find('[data-testid="status-backend"]')
    expect(backend.text()).toBe('中心服务：无法连接')
    expect(backend.attributes('title')).toBe('中心服务：无法连接（离线办理）')
    expect(backend.classes()).toContain('tone-bad')
    const tag = w.find('[data-testid="session-online"]')
    expect(tag.attributes('data-connected')).toBe('false')
    expect(tag.classes()).not.toContain('el-tag--success')
  })

  it('devices missing, unplugged or failing: a short word each', async () => {
    const { w } = await bar({
      devices: [
        { slot: 'id_card', name: '身份证读卡器', driver: 'serial', state: { state: 'disconnected' } },
        { slot: 'scanner', name: '扫码枪', driver: 'none', state: { state: 'not_installed' } },
        { slot: 'camera', name: '高拍仪', driver: 'camera', state: { state: 'not_opened' } },
        {
          slot: 'receipt_printer',
          name: '小票打印机',
          driver: 'tcp',
          state: { state: 'error', message: '打印机缺纸，请装入新的纸卷后重试。' },
        },
        {
          slot: 'a4_printer',
          name: 'A4打印机',
          driver: 'spooler',
          state: { state: 'error', message: '打印队列不可用，请检查打印服务器和队列名称。' },
        },
      ],
    })
    const slot = (s: string) => w.find(`[data-slot="${s}"]`)
    expect(slot('id_card').text()).toBe('读卡器断开')
    expect(slot('id_card').classes()).toContain('tone-bad')
    expect(slot('scanner').text()).toBe('扫码枪')
    expect(slot('scanner').classes()).toContain('tone-idle')
    expect(slot('scanner').attributes('title')).toBe('扫码枪：未安装')
    expect(slot('camera').attributes('title')).toBe('高拍仪：未启用')
    expect(slot('receipt_printer').text()).toBe('打印机缺纸')
    expect(slot('a4_printer').text()).toBe('A4打印机故障')
    expect(slot('a4_printer').attributes('title')).toBe('A4打印机：故障：打印队列不可用，请检查打印服务器和队列名称。')
  })

  it('a long clerk name is shortened with 「…」 and whole in the tooltip; a long department only in the tooltip', async () => {
    const { w } = await bar({
      clerk: { ...clerk, name: '阿卜杜热合曼·买买提明', department: '某某市某某区行政审批服务局不动产登记中心' },
    })
    const c = w.find('[data-testid="status-clerk"]')
    expect(c.text()).toBe('受理人：阿卜杜热合…')
    expect(c.attributes('title')).toBe('受理人：阿卜杜热合曼·买买提明（某某市某某区行政审批服务局不动产登记中心）')
  })

  it('the busiest state fits one line: offline, every device unplugged, pending, parked and an error', async () => {
    const { backend, w } = await bar({
      clerk: { ...clerk, name: '阿卜杜热合曼·买买提明' },
      backend: { state: 'unreachable', reason: 'connection refused' },
      devices: devices({ state: 'disconnected' }),
      pending_sync: 1234,
    })
    backend.pushSync({
      phase: 'waiting_retry',
      pending_records: 1234,
      parked_records: 12,
      oldest_pending_at: Date.now() - 50 * 3600_000,
      last_error: {
        code: 'sync_network',
        message: '无法连接中心服务（网络中断或服务未启动），数据已保存在本机，恢复后自动上传。',
        detail: 'network',
        at: Date.now(),
      },
      all_synced: false,
    })
    await flushPromises()
    expect(w.find('[data-testid="status-pending"]').text()).toBe('待同步：1234 条')
    expect(w.find('[data-testid="status-sync-age"]').text()).toBe('最早 2天前')
    expect(w.find('[data-testid="status-sync-parked"]').text()).toBe('被拒收：12 条')
    expect(w.find('[data-testid="status-sync-error"]').text()).toBe('同步失败：无法连接中心服务')
    expect(barWidth(w)).toBeLessThan(1366)
  })

  it('a long sync error shows only 同步失败, the message in the tooltip', async () => {
    const { backend, w } = await bar({ pending_sync: 1 })
    const message = '中心服务拒绝了本工作站的请求证书已被吊销请联系运维人员'
    backend.pushSync({
      pending_records: 1,
      last_error: { code: 'sync_refused', message, detail: '', at: Date.now() },
      all_synced: false,
    })
    await flushPromises()
    const e = w.find('[data-testid="status-sync-error"]')
    expect(e.text()).toBe('同步失败')
    expect(e.attributes('title')).toBe(message)
  })
})
