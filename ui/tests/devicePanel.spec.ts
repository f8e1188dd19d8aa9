import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { App } from 'vue'
import IdCardView from '../src/clerk/IdCardView.vue'
import { installBackend } from '../src/backend'
import ClerkApp from '../src/clerk/App.vue'
import type { CitizenCard } from '../src/bindings'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import { mountWith } from './mount'

// jsdom has no object URLs; the camera self-test shows frames through them.
if (!URL.createObjectURL) {
  URL.createObjectURL = () => 'blob:test'
  URL.revokeObjectURL = () => {}
}

function card(overrides: Partial<CitizenCard> = {}): CitizenCard {
  return {
    identity: {
      kind: 'resident',
      name: '张三',
      sex: 'male',
      birth: { year: 1990, month: 3, day: 7 },
      id_number: '11010519900307001X',
      id_number_valid: true,
      valid_from: { year: 2015, month: 1, day: 1 },
      valid_until: { type: 'until', date: { year: 2025, month: 1, day: 1 } },
      details: { type: 'resident', nation: { code: 1, name: '汉' }, address: '北京市东城区某街1号', issuer: '北京市公安局东城分局' },
    },
    expired: true,
    photo_available: false,
    photo: null,
    photo_error: null,
    ...overrides,
  }
}

async function openPanel(backend: MemoryBackend) {
  const w = await mountWith(ClerkApp, backend)
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F9' }))
  await flushPromises()
  return w
}

describe('device panel (K2) and ID card display (C1, C2)', () => {
  it('F9 opens the panel with every device state, Esc returns to login', async () => {
    const w = await openPanel(new MemoryBackend())
    expect(w.find('[data-testid="device-panel"]').exists()).toBe(true)
    expect(w.find('[data-slot="id_card"]').text()).toContain('身份证读卡器')
    expect(w.find('[data-testid="id-card-empty"]').text()).toBe('尚未读取证件')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(w.find('[data-testid="login-view"]').exists()).toBe(true)
  })

  it('shows a read card with every field and flags it expired', async () => {
    const backend = new MemoryBackend()
    const w = await openPanel(backend)
    backend.emitCard({ type: 'present', card: card() })
    await flushPromises()
    const shown = w.find('[data-testid="id-card"]')
    expect(shown.text()).toContain('张三')
    expect(shown.text()).toContain('汉')
    expect(shown.text()).toContain('11010519900307001X')
    expect(shown.text()).toContain('2015年1月1日 至 2025年1月1日')
    expect(w.find('[data-testid="id-card-expired"]').text()).toBe('证件已过期')

    backend.emitCard({ type: 'removed' })
    await flushPromises()
    expect(w.find('[data-testid="id-card"]').text()).toContain('证件已取走')
  })

  it('a long-term valid card is not flagged', async () => {
    const backend = new MemoryBackend()
    const w = await openPanel(backend)
    const c = card({ expired: false })
    c.identity.valid_until = { type: 'long_term' }
    backend.emitCard({ type: 'present', card: c })
    await flushPromises()
    expect(w.find('[data-testid="id-card-validity"]').text()).toContain('至 长期')
    expect(w.find('[data-testid="id-card-expired"]').exists()).toBe(false)
  })

  it('a failed read shows the reader hint in Chinese', async () => {
    const backend = new MemoryBackend()
    const w = await openPanel(backend)
    backend.emitCard({
      type: 'read_failed',
      error: { code: 'id_card.needs_attention', message: '证件读取中被移开，请重新放置。', detail: 'CardPulled' },
    })
    await flushPromises()
    expect(w.find('[data-testid="id-card-error"]').text()).toContain('请重新放置')
  })

  it('simulated reader offers sample cards; a real one does not', async () => {
    const backend = new MemoryBackend(
      sampleStatus({
        devices: [{ slot: 'id_card', name: '身份证读卡器', driver: 'simulator', state: { state: 'connected' } }],
      }),
    )
    backend.samples.expired = { type: 'present', card: card() }
    const w = await openPanel(backend)
    await w.find('[data-sample="expired"]').trigger('click')
    await flushPromises()
    expect(backend.simulated).toEqual(['expired'])
    expect(w.find('[data-testid="id-card-expired"]').exists()).toBe(true)

    const real = new MemoryBackend(
      sampleStatus({
        devices: [{ slot: 'id_card', name: '身份证读卡器', driver: 'serial', state: { state: 'connected' } }],
      }),
    )
    const w2 = await openPanel(real)
    expect(w2.find('[data-testid="card-simulator"]').exists()).toBe(false)
  })
})

describe('receipt printer self-test (F2, K2)', () => {
  it('paper out is reported in Chinese, and printing works after paper is restored', async () => {
    const backend = new MemoryBackend(
      sampleStatus({
        devices: [{ slot: 'receipt_printer', name: '小票打印机', driver: 'simulator', state: { state: 'connected' } }],
      }),
    )
    const w = await openPanel(backend)
    await w.find('[data-fault="paper-out"]').trigger('click')
    await w.find('[data-testid="print-test-slip"]').trigger('click')
    await flushPromises()
    const result = () => w.find('[data-testid="print-result"]')
    expect(result().text()).toContain('打印机缺纸')
    expect(result().attributes('data-ok')).toBe('false')
    expect(backend.printed).toBe(0)

    await w.find('[data-fault="clear"]').trigger('click')
    await w.find('[data-testid="print-test-slip"]').trigger('click')
    await flushPromises()
    expect(result().text()).toBe('测试小票已打印。')
    expect(backend.printed).toBe(1)
  })
})

describe('scanner gun (D1)', () => {
  it('a serial scan arrives once and shows in the panel', async () => {
    const backend = new MemoryBackend(
      sampleStatus({
        devices: [{ slot: 'scanner', name: '扫码枪', driver: 'simulator', state: { state: 'connected' } }],
      }),
    )
    const w = await openPanel(backend)
    expect(w.find('[data-testid="no-scan"]').exists()).toBe(true)
    await w.find('[data-testid="simulate-scan"]').trigger('click')
    await flushPromises()
    const shown = w.find('[data-testid="last-scan"]')
    expect(shown.text()).toContain('YY20261123-0042')
    expect(shown.attributes('data-source')).toBe('serial')
    expect(shown.attributes('data-count')).toBe('1')
  })

  it('the camera self-test previews, reads a code, and drives the simulated camera', async () => {
    const backend = new MemoryBackend(
      sampleStatus({ devices: [{ slot: 'camera', name: '高拍仪', driver: 'simulator', state: { state: 'connected' } }] }),
    )
    const w = await openPanel(backend)
    await w.find('[data-testid="camera-selftest"]').trigger('click')
    await flushPromises()
    expect(backend.camera.scanning).toBe(true)
    await w.find('[data-camera-sim="ticket"]').trigger('click')
    await flushPromises()
    expect(backend.camera.simulated[0]).toMatch(/^show QT\|A001\|\d{8}\|W1\|item=GA-HJ-0301\|demo$/)
    backend.camera.showCode({ code: { text: 'QT|A001|x', kind: 'queue_ticket' }, ticket: 'A001', appointment: null, item_code: null, party: null, refusal: null })
    await flushPromises()
    expect(w.find('[data-testid="camera-panel"]').exists()).toBe(false)
    expect(w.find('[data-testid="camera-last-code"]').text()).toContain('QT|A001|x')
    // C4: the sample personal code is made and signed with the test key by the core.
    await w.find('[data-camera-sim="personal-code"]').trigger('click')
    await flushPromises()
    expect(backend.camera.simulated).toContain('show-personal-code')
    await w.find('[data-camera-sim="unplug"]').trigger('click')
    expect(backend.camera.plugged).toBe(false)
  })
})

describe('card photo (C1)', () => {
  it('shows the decoded photo, or the decoder\'s refusal, instead of the placeholder', async () => {
    const plugins = [createPinia(), ElementPlus, { install: (app: App) => installBackend(app, new MemoryBackend()) }]
    const photo = card({ photo: 'data:image/png;base64,AAAA', photo_available: true })
    const shown = mount(IdCardView, { props: { card: photo, onReader: true }, global: { plugins } })
    expect(shown.find('[data-testid="id-card-photo"]').attributes('src')).toBe('data:image/png;base64,AAAA')
    const error = { code: 'id_card.photo_decoder_timeout' as const, message: '照片解码超时', detail: '' }
    const refused = mount(IdCardView, { props: { card: card({ photo_error: error }), onReader: true }, global: { plugins } })
    expect(refused.find('[data-testid="id-card-photo-error"]').text()).toBe('照片解码超时')
  })
})
