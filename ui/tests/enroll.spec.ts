import { describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import App from '../src/clerk/App.vue'
import { MemoryBackend, sampleStatus, sampleSync } from '../src/backend/memory'
import { syncSummary } from '../src/clerk/syncFormat'
import { useIntakeStore } from '../src/stores/intake'
import { mountWith } from './mount'

function unenrolled(): MemoryBackend {
  const backend = new MemoryBackend()
  backend.enrollment = { ...backend.enrollment, enrolled: false, workstation_id: null, enrolled_at: null }
  return backend
}

describe('workstation enrollment on the login page (issue 15)', () => {
  it('i15_a fresh workstation shows 本工作站尚未注册; a wrong code is refused in Chinese, the right one enrolls', async () => {
    const backend = unenrolled()
    const w = await mountWith(App, backend)
    const panel = () => w.find('[data-testid="enroll-panel"]')
    expect(panel().text()).toContain('本工作站尚未注册')
    expect(w.find('[data-testid="enroll-desk"]').text()).toBe('441500-12')
    expect(w.find('[data-testid="login-offline-only"]').exists()).toBe(true)

    await w.find('input[data-testid="enroll-code"]').setValue('WRONG-CODE')
    await w.find('[data-testid="enroll-submit"]').trigger('click')
    await flushPromises()
    const error = w.find('[data-testid="enroll-error"]')
    expect(error.attributes('data-code')).toBe('enroll.refused')
    expect(error.text()).toContain('注册码无效')
    expect(panel().exists()).toBe(true)

    await w.find('input[data-testid="enroll-code"]').setValue('abcd efgh jkmn')
    await w.find('[data-testid="enroll-submit"]').trigger('click')
    await flushPromises()
    expect(panel().exists()).toBe(false)
    expect(w.find('[data-testid="login-offline-only"]').exists()).toBe(false)
    expect(w.find('[data-testid="login-view"]').exists()).toBe(true)
  })

  it('i15_an enrolled workstation, or one without a backend, shows no enrollment', async () => {
    const enrolled = await mountWith(App, new MemoryBackend())
    expect(enrolled.find('[data-testid="enroll-panel"]').exists()).toBe(false)
    const local = new MemoryBackend(sampleStatus({ backend: { state: 'not_configured' } }))
    local.enrollment = { ...local.enrollment, backend_configured: false, enrolled: false }
    const w = await mountWith(App, local)
    expect(w.find('[data-testid="enroll-panel"]').exists()).toBe(false)
  })

  it('i15_an unusable earlier enrollment says why (desk changed, key lost)', async () => {
    const backend = unenrolled()
    const message = '注册码属于工作站 441500-5，而本机配置为工作站 441500-12（大厅代码-窗口号）。'
    backend.enrollment.problem = { code: 'enroll.desk_mismatch', message, detail: '' }
    const w = await mountWith(App, backend)
    expect(w.find('[data-testid="enroll-problem"]').text()).toContain('441500-5')
  })
})

describe('a session the server ended (issue 15 item 6)', () => {
  it('i15_the open case is parked and the login page gives the reason in Chinese', async () => {
    const clerk = { id: 'c1', name: '张敏', department: '户政科', post: '综合窗口', permissions: ['accept' as const], items: { kind: 'all' as const }, mode: 'online' as const, ukey_default_pin: false }
    const backend = new MemoryBackend(sampleStatus({ clerk }))
    const w = await mountWith(App, backend)
    expect(w.find('[data-testid="workbench-clerk"]').exists()).toBe(true)
    const intake = useIntakeStore()
    const park = vi.spyOn(intake, 'parkForSwitch')
    const reason = '中心服务已终止您的登录（证书已解绑或账号已停用），当前办件已暂存，请重新登录。'
    backend.push({ clerk: null, session_ended: reason })
    await flushPromises()
    expect(park).toHaveBeenCalledTimes(1)
    expect(w.find('[data-testid="login-session-ended"]').text()).toContain('中心服务已终止您的登录')
    expect(w.find('[data-testid="workbench-clerk"]').exists()).toBe(false)
  })
})

describe('sync while not enrolled', () => {
  it('i15_the status bar says 未注册, never 已同步', () => {
    const idle = syncSummary(0, sampleSync({ phase: 'not_enrolled' }))
    expect(idle.label).toBe('未注册')
    expect(idle.synced).toBe(false)
    expect(syncSummary(3, sampleSync({ phase: 'not_enrolled', all_synced: false })).label).toBe('未注册：3 条待同步')
  })
})
