// 物料流转 (F3) over the in-memory backend: the window packs its waiting paper for one
// department; the receiving end finds the package by its number and signs for it once.
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { Component } from 'vue'
import { installBackend } from '../src/backend'
import { MemoryBackend } from '../src/backend/memory'
import FlowSendPage from '../src/flow/FlowSendPage.vue'
import FlowReceivePage from '../src/flow/FlowReceivePage.vue'

async function mountPage(component: Component, backend: MemoryBackend) {
  const w = mount(component, {
    global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  await flushPromises()
  return w
}

describe('material flow (F3)', () => {
  it('f3_the_window_packs_its_paper_and_the_receiving_end_signs_for_it_once', async () => {
    const backend = new MemoryBackend()
    const send = await mountPage(FlowSendPage, backend)
    expect(send.findAll('[data-testid="flow-pending-row"]')).toHaveLength(2)
    expect(send.find('[data-testid="flow-create"]').attributes('disabled')).toBeDefined()
    for (const box of send.findAll('[data-testid="flow-check"]')) await box.setValue(true)
    expect(send.find('[data-testid="flow-create"]').text()).toContain('2 件，送市公安局')
    await send.find('[data-testid="flow-create"]').trigger('click')
    await flushPromises()
    expect(send.find('[data-testid="flow-message"]').text()).toContain('WL44150020261206003001')
    expect(send.find('[data-testid="flow-none"]').exists()).toBe(true)
    const row = send.find('[data-testid="flow-sent-row"]')
    expect(row.attributes('data-received')).toBe('0')

    const receive = await mountPage(FlowReceivePage, backend)
    await receive.find('[data-testid="flow-search"]').setValue('WL44150020261206003999')
    await receive.find('[data-testid="flow-find"]').trigger('click')
    await flushPromises()
    expect(receive.find('[data-testid="flow-receive-error"]').attributes('data-code')).toBe('flow.unknown')

    await receive.find('[data-testid="flow-search"]').setValue('WL44150020261206003001')
    await receive.find('[data-testid="flow-find"]').trigger('click')
    await flushPromises()
    const entries = () => receive.findAll('[data-testid="flow-entry"]')
    expect(entries()).toHaveLength(2)
    // Both not signed for are ticked; untick one and sign for the other.
    await receive.findAll('[data-testid="flow-entry-check"]')[1].setValue(false)
    await receive.find('[data-testid="flow-sign"]').trigger('click')
    await flushPromises()
    expect(receive.find('[data-testid="flow-signed"]').text()).toContain('已签收 1 件（本单共 2 件）')
    expect(entries().map((e) => e.attributes('data-received'))).toEqual(['true', 'false'])
    expect(entries()[0].find('[data-testid="flow-entry-state"]').text()).toBe('材料已签收')
    await receive.find('[data-testid="flow-sign-all"]').trigger('click')
    await flushPromises()
    expect(receive.find('[data-testid="flow-signed"]').text()).toContain('已签收 1 件')
    expect(receive.find('[data-testid="flow-sign-all"]').attributes('disabled')).toBeDefined()
  })
})
