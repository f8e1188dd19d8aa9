import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import App from '../src/clerk/App.vue'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import { mountWith } from './mount'

describe('clerk window', () => {
  it('opens on the Chinese UKey login screen and reports it rendered', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(App, backend)
    expect(w.find('[data-testid="login-view"]').text()).toContain('UKey 证书登录')
    expect(w.find('[data-testid="login-no-key"]').text()).toContain('未检测到UKey')
    expect(w.find('[data-testid="login-submit"]').attributes('disabled')).toBeDefined()
    expect(backend.rendered).toEqual(['login'])
  })

  it('status bar follows backend reachability, pending count and clerk', async () => {
    const backend = new MemoryBackend(sampleStatus({ pending_sync: 0 }))
    const w = await mountWith(App, backend)
    const bar = () => w.find('[data-testid="status-backend"]')
    expect(bar().attributes('data-state')).toBe('reachable')
    expect(bar().text()).toBe('中心服务：已连接')
    expect(w.find('[data-testid="status-window"]').text()).toContain('12号窗口')
    expect(w.find('[data-testid="status-clerk"]').text()).toBe('受理人：未登录')

    backend.push({
      backend: { state: 'unreachable', reason: 'connection refused' },
      pending_sync: 3,
      clerk: { id: 'c1', name: '张敏', department: '户政科', post: '综合窗口', permissions: ['accept', 'query', 'export', 'reprint', 'change'], items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
    })
    await flushPromises()
    expect(bar().attributes('data-state')).toBe('unreachable')
    expect(bar().text()).toContain('无法连接')
    expect(w.find('[data-testid="status-pending"]').text()).toBe('待同步：3 条')
    expect(w.find('[data-testid="status-clerk"]').text()).toBe('受理人：张敏')
    expect(w.find('[data-testid="status-clerk"]').attributes('title')).toBe('受理人：张敏（户政科）')
  })

  it('shows each device state in Chinese', async () => {
    const backend = new MemoryBackend(
      sampleStatus({
        devices: [
          { slot: 'camera', name: '高拍仪', driver: 'camera', state: { state: 'disconnected' } },
          { slot: 'a4_printer', name: 'A4打印机', driver: 'none', state: { state: 'not_installed' } },
          { slot: 'id_card', name: '身份证读卡器', driver: 'serial', state: { state: 'error', message: '校验错误' } },
        ],
      }),
    )
    const w = await mountWith(App, backend)
    const slot = (s: string) => w.find(`[data-testid="status-devices"] [data-slot="${s}"]`)
    expect(slot('camera').text()).toBe('高拍仪断开')
    expect(slot('camera').attributes('title')).toBe('高拍仪：未连接')
    expect(slot('a4_printer').text()).toBe('A4打印机')
    expect(slot('a4_printer').attributes('title')).toBe('A4打印机：未安装')
    expect(slot('id_card').text()).toBe('校验错误')
    expect(slot('id_card').attributes('title')).toBe('身份证读卡器：故障：校验错误')
  })

  it('a startup error replaces the login with the Chinese message naming the key', async () => {
    const backend = new MemoryBackend(sampleStatus(), {
      startup_error: {
        code: 'config',
        message: '工作站配置文件 /etc/w.toml 配置项取值无效：「window.number」。',
        detail: 'key `window.number`: expected 1..=999, got 0',
      },
    })
    const w = await mountWith(App, backend)
    expect(w.find('[data-testid="login-view"]').exists()).toBe(false)
    expect(w.find('[data-testid="startup-error"]').text()).toContain('「window.number」')
    expect(backend.rendered).toEqual(['startup-error'])
  })
})

