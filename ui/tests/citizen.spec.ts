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
