import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import CitizenApp from '../src/citizen/CitizenApp.vue'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import { mountWith } from './mount'

describe('citizen window', () => {
  it('shows the idle screen with hall and window number', async () => {
    const backend = new MemoryBackend(sampleStatus({ window_number: 7, hall_name: '高新区政务服务中心' }))
    const w = await mountWith(CitizenApp, backend)
    expect(w.find('[data-testid="citizen-idle"]').text()).toContain('高新区政务服务中心')
    expect(w.find('[data-testid="citizen-window"]').text()).toBe('7号窗口')
    expect(w.text()).toContain('欢迎您，请稍候')
    expect(backend.rendered).toEqual(['citizen-idle'])
  })
})

describe('citizen window permissions', () => {
  it('never asks for clerk-only data (its capability does not grant it)', async () => {
    const backend = new MemoryBackend()
    backend.appInfo = () => Promise.reject(new Error('get_app_info not allowed'))
    const w = await mountWith(CitizenApp, backend)
    expect(w.find('[data-testid="citizen-window"]').text()).toBe('12号窗口')
  })
})

describe('citizen rating (G2)', () => {
  it('a satisfied level by touch is the answer and thanks follow', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(CitizenApp, backend)
    await backend.visit.requestRating()
    await flushPromises()
    expect(w.find('[data-testid="citizen-rating"]').exists()).toBe(true)
    await w.find('[data-testid="rate-very_satisfied"]').trigger('click')
    await flushPromises()
    expect(backend.visit.ratings).toEqual([{ level: 'very_satisfied', reasons: [] }])
    expect(w.find('[data-testid="citizen-thanks"]').exists()).toBe(true)
  })

  it('a dissatisfied level by keypad asks the reasons; Enter without one is refused, with one submits', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(CitizenApp, backend)
    await backend.visit.requestRating()
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '4' }))
    await flushPromises()
    expect(w.find('[data-testid="reason-attitude"]').exists()).toBe(true)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await flushPromises()
    expect(w.find('[data-testid="rating-error"]').text()).toBe('请选择不满意的原因。')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '3' }))
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await flushPromises()
    expect(backend.visit.ratings).toEqual([{ level: 'dissatisfied', reasons: ['attitude'] }])
  })

  it('a pause shows 暂停服务 with its reason, and a call its number', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(CitizenApp, backend)
    await backend.visit.pause('系统维护')
    await flushPromises()
    expect(w.find('[data-testid="citizen-pause-reason"]').text()).toBe('系统维护')
    backend.visit.set({ kind: 'called', number: 'A023', until_ms: Date.now() + 60_000 })
    await flushPromises()
    expect(w.find('[data-testid="citizen-called-number"]').text()).toBe('A023')
  })
})
