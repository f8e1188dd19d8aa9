// Software update and diagnostics in the device panel (issue 19, K1/K3) over the in-memory
// backend: a newer release is offered, downloaded and verified, then installed on demand; a
// refused signature is said in Chinese and nothing is offered for install; a diagnostics
// bundle is reported uploaded, or kept for later when the server does not take it.
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { installBackend } from '../src/backend'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import MaintenancePanel from '../src/clerk/MaintenancePanel.vue'
import StatusBar from '../src/clerk/StatusBar.vue'

async function mountPanel(backend: MemoryBackend) {
  const w = mount(MaintenancePanel, {
    global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  await flushPromises()
  return w
}

async function click(w: Awaited<ReturnType<typeof mountPanel>>, testid: string) {
  await w.find(`[data-testid="${testid}"]`).trigger('click')
  await flushPromises()
}

describe('software update and diagnostics (K1, K3)', () => {
  it('k1_a_newer_release_is_offered_verified_and_installed_on_demand', async () => {
    const backend = new MemoryBackend()
    const w = await mountPanel(backend)
    expect(w.find('[data-testid="update-running"]').attributes('data-version')).toBe('0.1.0')
    expect(w.find('[data-testid="update-install"]').exists()).toBe(false)
    await click(w, 'update-check')
    expect(w.find('[data-testid="update-available"]').attributes('data-version')).toBe('0.2.0')
    expect(w.text()).toContain('修复打印问题')
    await click(w, 'update-download')
    expect(w.find('[data-testid="update-verified"]').text()).toContain('签名校验通过')
    await click(w, 'update-install')
    expect(backend.maintenance.installs).toBe(1)
  })

  it('k1_a_refused_signature_is_said_and_nothing_is_offered_for_install', async () => {
    const backend = new MemoryBackend()
    backend.maintenance.signatureOk = false
    const w = await mountPanel(backend)
    await click(w, 'update-check')
    await click(w, 'update-download')
    expect(w.find('[data-testid="maintenance-error"]').attributes('data-code')).toBe('update.signature_invalid')
    expect(w.find('[data-testid="maintenance-error"]').text()).toContain('签名无效')
    expect(w.find('[data-testid="update-install"]').exists()).toBe(false)
  })

  it('k1_the_status_bar_says_a_new_version_is_there', async () => {
    const backend = new MemoryBackend()
    const w = mount(StatusBar, {
      props: { status: sampleStatus({ update_available: '0.2.0' }) },
      global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
    })
    await flushPromises()
    const chip = w.find('[data-testid="status-update"]')
    expect(chip.text()).toBe('有新版本 0.2.0')
    await chip.trigger('click')
    expect(w.emitted('devices')).toHaveLength(1)
  })

  it('k3_a_bundle_is_uploaded_or_kept_for_later', async () => {
    const backend = new MemoryBackend()
    const w = await mountPanel(backend)
    await click(w, 'diagnostics-make')
    expect(w.find('[data-testid="diagnostics-result"]').text()).toContain('已生成并上传')
    backend.maintenance.online = false
    await click(w, 'diagnostics-make')
    const result = w.find('[data-testid="diagnostics-result"]')
    expect(result.attributes('data-uploaded')).toBe('')
    expect(result.text()).toContain('恢复连接后自动上传')
  })
})
