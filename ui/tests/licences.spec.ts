// Electronic licences in the window (L1, L2) over the in-memory backend: the checklist's
// licence lookup after the card read, a valid licence used in place of paper, a revoked one
// refused with its reason; the 证照查询 page with preview and 反馈.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { Component } from 'vue'
import MaterialChecklist from '../src/intake/MaterialChecklist.vue'
import LicenceQueryPage from '../src/licences/LicenceQueryPage.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend } from '../src/backend/memory'
import { sampleItems } from '../src/backend/memoryIntake'
import { useIntakeStore } from '../src/stores/intake'
import { useLabelsStore } from '../src/stores/labels'

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

async function part(component: Component) {
  const backend = new MemoryBackend()
  const pinia = createPinia()
  const w = mount(component, {
    attachTo: document.body,
    global: { plugins: [pinia, ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  mounted.push(w)
  await useLabelsStore(pinia).load(backend)
  await flushPromises()
  return { w, backend, intake: useIntakeStore(pinia) }
}

describe('licences in the materials checklist (L2)', () => {
  it('l2_valid_licence_used_in_place_of_paper_and_revoked_one_refused_with_its_reason', async () => {
    const { w, backend, intake } = await part(MaterialChecklist)
    await intake.pick(sampleItems[0].code)
    await intake.answer('q1', 0)
    await flushPromises()
    // The applicant from the card: the library is asked at once, for the case's item.
    intake.draft!.applicant = { ...intake.draft!.applicant, name: '张三', id_number: '11010519491231002X', id_source: 'card' }
    await flushPromises()
    expect(backend.licences.lookups).toEqual([{ item: sampleItems[0].code, purpose: 'intake', organisation: null, applicant: '11010519491231002X' }])
    const row = w.findAll('[data-testid="material-row"]').find((r) => r.text().includes('居民户口簿'))!
    expect(row.find('[data-testid="licence-outcome"]').text()).toContain('成功')
    const [valid, revoked] = row.findAll('[data-testid="licence-found"]')
    expect(revoked.attributes('data-status')).toBe('revoked')

    await revoked.find('[data-testid="licence-use"]').trigger('click')
    await flushPromises()
    expect(row.find('[data-testid="licence-refused"]').text()).toContain('已吊销（原因：户口迁出）')
    const m2 = intake.draft!.materials.find((m) => m.material_id === 'm2')!
    expect(m2.received).toBe('missing')

    await valid.find('[data-testid="licence-use"]').trigger('click')
    await flushPromises()
    expect(m2.received).toBe('electronic')
    expect(m2.licence?.identifier).toBe('L-VALID')
    expect(m2.files.map((f) => f.sha256)).toEqual(['sha-L-VALID'])
    expect(row.find('[data-testid="licence-in-use"]').exists()).toBe(true)
    expect(row.find('[data-testid="licence-refused"]').exists()).toBe(false)

    // 改收纸质: the licence and its file leave the material.
    await row.find('[data-testid="licence-detach"]').trigger('click')
    expect(m2.licence).toBeNull()
    expect(m2.files).toEqual([])
    expect(m2.received).toBe('missing')
  })

  it('l1_lookup_refused_without_a_card_read_is_said_in_chinese', async () => {
    const { w, backend, intake } = await part(MaterialChecklist)
    backend.licences.cardRead = false
    await intake.pick(sampleItems[0].code)
    await intake.answer('q1', 0)
    await flushPromises()
    await w.find('[data-testid="licence-lookup"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="licence-error"]').text()).toContain('请先读取办事人身份证')
  })
})

describe('证照查询 (L1)', () => {
  it('l1_query_page_lists_the_licences_and_sends_feedback_on_the_previewed_one', async () => {
    const { w, backend } = await part(LicenceQueryPage)
    await w.find('[data-testid="licence-item-search"]').setValue('户籍')
    await flushPromises()
    await w.find('[data-testid="licence-item-hit"]').trigger('click')
    await w.find('[data-testid="licence-query-lookup"]').trigger('click')
    await flushPromises()
    expect(backend.licences.lookups.at(-1)).toEqual({ item: 'GA-HJ-0301', purpose: 'query', organisation: null, applicant: null })
    const result = w.find('[data-testid="licence-result"]')
    expect(result.attributes('data-outcome')).toBe('found')
    await result.find('[data-testid="licence-preview-open"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(document.body.querySelector('[data-testid="licence-text"]')?.textContent).toContain('户主 张三'))
    ;(document.body.querySelector('[data-testid="licence-feedback"]') as HTMLElement).click()
    await flushPromises()
    const comment = document.body.querySelector('[data-testid="licence-feedback-comment"]') as HTMLTextAreaElement
    comment.value = '住址已变更'
    comment.dispatchEvent(new Event('input'))
    await flushPromises()
    ;(document.body.querySelector('[data-testid="licence-feedback-send"]') as HTMLElement).click()
    await flushPromises()
    expect(backend.licences.feedbacks).toEqual([
      { identifier: 'L-VALID', type_code: '11100000000013338W002', item: 'GA-HJ-0301', category: 'wrong_data', comment: '住址已变更' },
    ])
    expect(document.body.querySelector('[data-testid="licence-feedback-sent"]')?.textContent).toContain('fb-1')
  })
})
