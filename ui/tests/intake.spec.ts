import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { App } from 'vue'
import IntakePage from '../src/intake/IntakePage.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend } from '../src/backend/memory'
import { sampleItems } from '../src/backend/memoryIntake'
import { useScanStore } from '../src/stores/scan'

// jsdom has no object URLs; the camera panel shows frames through them.
if (!URL.createObjectURL) {
  URL.createObjectURL = () => 'blob:test'
  URL.revokeObjectURL = () => {}
}

async function mountIntake(backend: MemoryBackend) {
  const w = mount(IntakePage, {
    props: { resume: null },
    attachTo: document.body,
    global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  await flushPromises()
  return w
}

describe('intake page', () => {
  it('c2 refuses an expired card as the applicant and takes it with a reason', async () => {
    const backend = new MemoryBackend()
    backend.intake.card = { name: '李强', id_number: '110101198001010016', id_source: 'card', sex: '男', nation: '汉', birth: '1980-01-01', address: '', phone: '' }
    backend.intake.cardExpired = true
    const w = await mountIntake(backend)
    const search = w.find('[data-testid="item-search"]')
    await search.setValue('hjzm')
    await flushPromises()
    await search.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F6' }))
    await flushPromises()
    expect(w.find('[data-testid="intake-error"]').text()).toContain('身份证已过期')
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('')
    expect(w.find('[data-testid="expired-override-take"]').attributes('disabled')).toBeDefined()
    await w.find('input[data-testid="expired-override-reason"]').setValue('正在办理换领，持受理回执')
    await w.find('[data-testid="expired-override-take"]').trigger('click')
    await flushPromises()
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('李强')
    expect(backend.intake.overrides).toEqual(['正在办理换领，持受理回执'])
    expect(w.find('[data-testid="expired-override"]').exists()).toBe(false)
    w.unmount()
  })


  it('d1 opens the item of a ticket scanned with the serial gun or a keyboard-wedge gun', async () => {
    const backend = new MemoryBackend()
    const w = await mountIntake(backend)
    await useScanStore().start(backend)

    await backend.simulateScan('QT|A023|20261206|W5|item=GA-HJ-0301|7f3k')
    await flushPromises()
    expect(w.find('[data-testid="intake-item"]').text()).toContain('户籍证明')
    expect(backend.camera.scans).toEqual([{ text: 'QT|A023|20261206|W5|item=GA-HJ-0301|7f3k', source: 'serial' }])

    // A wedge burst: keys far faster than typing, ended by Enter; none reach the search field.
    const burst = 'QT|A024|20261206|W5|item=GA-HJ-0301|8a1b'
    const field = w.find('[data-testid="item-search"]').element as HTMLInputElement
    field.focus()
    for (const key of [...burst, 'Enter']) field.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
    await flushPromises()
    expect(backend.camera.scans[1]).toEqual({ text: burst, source: 'keyboard' })
    expect(field.value).toBe('')
    useScanStore().stop()
    w.unmount()
  })


  it('walks a 户籍证明 from initials to decision, the decision waiting for the notice', async () => {
    const backend = new MemoryBackend()
    backend.intake.card = { name: '张伟', id_number: '110101198503120035', id_source: 'card', sex: '男', nation: '汉', birth: '1985-03-12', address: '', phone: '' }
    const w = await mountIntake(backend)

    const search = w.find('[data-testid="item-search"]')
    await search.setValue('hjzm')
    await flushPromises()
    expect(w.findAll('[data-testid="item-hit"]')[0].attributes('data-code')).toBe('GA-HJ-0301')
    await search.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(w.find('[data-testid="intake-item"]').text()).toContain('户籍证明')

    // Digits answer the situation question.
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
    await flushPromises()
    expect(w.findAll('[data-testid="material-row"]')).toHaveLength(2)

    // F6 fills the applicant from the card.
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F6' }))
    await flushPromises()
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('张伟')
    expect(w.find('[data-testid="applicant-source"]').text()).toBe('读卡')

    // Accept needs every required material; the decision button waits for the notice.
    await w.find('[data-testid="receive-all"]').trigger('click')
    expect(w.findAll('[data-testid="material-row"]').map((r) => r.attributes('data-received'))).toEqual(['paper', 'paper'])
    expect(w.find('[data-testid="decide"]').attributes('disabled')).toBeDefined()
    await w.find('[data-testid="print-notice"]').trigger('click')
    await flushPromises()
    expect(backend.intake.printed).toBe(1)
    expect(w.find('[data-testid="decide"]').attributes('disabled')).toBeUndefined()

    // Any change after printing needs a new notice.
    await w.find('[data-testid="applicant-phone"]').setValue('13800138000')
    expect(w.find('[data-testid="decide"]').attributes('disabled')).toBeDefined()
    await w.find('[data-testid="print-notice"]').trigger('click')
    await flushPromises()
    await w.find('[data-testid="decide"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="case-done"]').text()).toContain('已受理')
    expect(w.find('[data-testid="intake-item"]').exists()).toBe(false)
    w.unmount()
  })

  it('parks a case and takes the next one', async () => {
    const backend = new MemoryBackend()
    const w = await mountIntake(backend)
    await w.find('[data-testid="item-search"]').setValue('户籍')
    await flushPromises()
    await w.find('[data-testid="item-hit"]').trigger('click')
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F4' }))
    await flushPromises()
    expect(w.find('[data-testid="intake-notice"]').text()).toContain('已暂存')
    expect(w.find('[data-testid="intake-item"]').exists()).toBe(false)
    const drafts = await backend.intake.drafts()
    expect(drafts.status === 'ok' ? drafts.data.map((c) => c.item_name) : []).toEqual(['户籍证明'])
    w.unmount()
  })

  it('imports a file for a material: attached, counted and marked received', async () => {
    const backend = new MemoryBackend()
    const w = await mountIntake(backend)
    await w.find('[data-testid="item-search"]').setValue('户籍')
    await flushPromises()
    await w.find('[data-testid="item-hit"]').trigger('click')
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
    await flushPromises()
    const input = w.findAll('[data-testid="material-file"]')[1]
    const file = new File([new Uint8Array([0x25, 0x50, 0x44, 0x46])], '户口簿.pdf', { type: 'application/pdf' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(backend.intake.attached).toEqual(['户口簿.pdf']))
    await flushPromises()
    expect(w.findAll('[data-testid="material-attachment"]').map((a) => a.text())).toEqual(['户口簿.pdf（1页）'])
    expect(w.findAll('[data-testid="material-row"]')[1].attributes('data-received')).toBe('electronic')
    w.unmount()
  })

  it('opens the item of a ticket read by the camera and attaches photographed pages', async () => {
    const backend = new MemoryBackend()
    const w = await mountIntake(backend)
    await w.find('[data-testid="camera-scan"]').trigger('click')
    await flushPromises()
    expect(backend.camera.scanning).toBe(true)
    await vi.waitFor(() => expect(Number(w.find('[data-testid="camera-fps"]').attributes('data-frames'))).toBeGreaterThan(0), { timeout: 3000 })
    backend.camera.showCode({
      code: { text: 'QT|A023|20261123|W5|item=GA-HJ-0301|x', kind: 'queue_ticket' },
      ticket: 'A023',
      appointment: null,
      item_code: 'GA-HJ-0301',
      party: null,
      refusal: null,
    })
    await flushPromises()
    expect(w.find('[data-testid="camera-panel"]').exists()).toBe(false)
    expect(w.find('[data-testid="intake-item"]').text()).toContain('户籍证明')
    expect(w.find('[data-testid="intake-notice"]').text()).toContain('取号凭条 A023')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
    await flushPromises()

    // An unsigned personal code fills nothing: the core's reason is shown instead (C4).
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F3' }))
    await flushPromises()
    backend.camera.showCode({
      code: { text: '粤居码:张三|11010519491231002X', kind: 'personal_code' },
      ticket: null,
      appointment: null,
      item_code: null,
      party: null,
      refusal: { code: 'camera.personal_code_unsigned', message: '该身份码没有签发平台的签名，不能作为身份凭证，请改用身份证读卡。', detail: 'no signature' },
    })
    await flushPromises()
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('')
    expect(w.text()).toContain('没有签发平台的签名')

    // A signed personal code fills the applicant, marked as read from the code.
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F3' }))
    await flushPromises()
    expect(backend.camera.scanning).toBe(true)
    backend.camera.showCode({
      code: { text: '粤居码:张三|11010519491231002X', kind: 'personal_code' },
      ticket: null,
      appointment: null,
      item_code: null,
      party: { name: '张三', id_number: '11010519491231002X', id_source: 'code', sex: '女', nation: '', birth: '1949-12-31', address: '', phone: '' },
      refusal: null,
    })
    await flushPromises()
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('张三')
    expect(w.find('[data-testid="applicant-source"]').text()).toBe('扫身份码')

    // Two pages photographed for the first material, one turned, attached as one PDF.
    await w.findAll('[data-testid="material-camera"]')[0].trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(backend.camera.previewing).toBe(true))
    await w.find('[data-testid="camera-capture"]').trigger('click')
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }))
    await flushPromises()
    expect(w.findAll('[data-testid="camera-page"]')).toHaveLength(2)
    await w.findAll('[data-testid="camera-turn"]')[1].trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="camera-page"]')[1].attributes('data-width')).toBe('1754')
    await w.find('[data-testid="camera-attach"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="camera-panel"]').exists()).toBe(false)
    expect(backend.camera.previewing).toBe(false)
    const first = w.findAll('[data-testid="material-row"]')[0]
    expect(first.find('[data-testid="material-attachment"]').text()).toMatch(/\.pdf（2页）$/)
    expect(first.attributes('data-received')).toBe('paper')
    w.unmount()
  })

  it('e3_one_photographed_page_counts_one_page', async () => {
    const backend = new MemoryBackend()
    const w = await mountIntake(backend)
    const search = w.find('[data-testid="item-search"]')
    await search.setValue('hjzm')
    await flushPromises()
    await search.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
    await flushPromises()
    // F7 receives the paper (1 page each), then the first material's page is photographed.
    await w.find('[data-testid="receive-all"]').trigger('click')
    await flushPromises()
    const pages = () => w.findAll('[data-testid="material-row"]').map((r) => Number((r.find('input.pages').element as HTMLInputElement).value))
    expect(pages()[0]).toBe(1)
    await w.findAll('[data-testid="material-camera"]')[0].trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(backend.camera.previewing).toBe(true))
    await w.find('[data-testid="camera-capture"]').trigger('click')
    await flushPromises()
    await w.find('[data-testid="camera-attach"]').trigger('click')
    await flushPromises()
    const first = w.findAll('[data-testid="material-row"]')[0]
    expect(first.find('[data-testid="material-attachment"]').text()).toMatch(/（1页）$/)
    expect(pages()[0]).toBe(1)
    // A second, two-page file makes three pages in all.
    await w.findAll('[data-testid="material-camera"]')[0].trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(backend.camera.previewing).toBe(true))
    await w.find('[data-testid="camera-capture"]').trigger('click')
    await flushPromises()
    await w.find('[data-testid="camera-capture"]').trigger('click')
    await flushPromises()
    await w.find('[data-testid="camera-attach"]').trigger('click')
    await flushPromises()
    expect(pages()[0]).toBe(3)
    w.unmount()
  })

  it('shows 高拍仪未连接 while the camera is unplugged and recovers after the replug', async () => {
    const backend = new MemoryBackend()
    const w = await mountIntake(backend)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F3' }))
    await flushPromises()
    await vi.waitFor(() => expect(Number(w.find('[data-testid="camera-fps"]').attributes('data-frames'))).toBeGreaterThan(0), { timeout: 3000 })
    backend.camera.unplug()
    await vi.waitFor(() => expect(w.find('[data-testid="camera-error"]').text()).toContain('高拍仪未连接'), { timeout: 3000 })
    backend.camera.plug()
    await vi.waitFor(() => expect(w.find('[data-testid="camera-error"]').exists()).toBe(false), { timeout: 3000 })
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(w.find('[data-testid="camera-panel"]').exists()).toBe(false)
    w.unmount()
  })

  it('the in-memory backend follows the question tree to the next unanswered question', async () => {
    const backend = new MemoryBackend()
    const item = sampleItems[0]
    expect((await backend.intake.currentQuestion(item, []))?.id).toBe('q1')
    expect(await backend.intake.currentQuestion(item, [{ question_id: 'q1', option: 0 }])).toBeNull()
  })

  it('keeps no case after the page is gone (logout)', async () => {
    const backend = new MemoryBackend()
    const pinia = createPinia()
    const global = { plugins: [pinia, ElementPlus, { install: (app: App) => installBackend(app, backend) }] }
    const w = mount(IntakePage, { props: { resume: null }, attachTo: document.body, global })
    await flushPromises()
    await w.find('[data-testid="item-search"]').setValue('户籍')
    await flushPromises()
    await w.find('[data-testid="item-hit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="intake-item"]').exists()).toBe(true)
    w.unmount()
    const again = mount(IntakePage, { props: { resume: null }, attachTo: document.body, global })
    await flushPromises()
    expect(again.find('[data-testid="intake-item"]').exists()).toBe(false)
    again.unmount()
  })
})
