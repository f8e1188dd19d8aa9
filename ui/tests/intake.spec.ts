import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import IntakePage from '../src/intake/IntakePage.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend } from '../src/backend/memory'
import { currentQuestion } from '../src/intake/labels'
import { sampleItems } from '../src/backend/memoryIntake'

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

  it('follows the question tree to the next unanswered question', () => {
    const item = sampleItems[0]
    expect(currentQuestion(item, [])?.id).toBe('q1')
    expect(currentQuestion(item, [{ question_id: 'q1', option: 0 }])).toBeNull()
  })
})
