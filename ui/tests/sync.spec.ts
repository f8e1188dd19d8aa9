import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import App from '../src/clerk/App.vue'
import { MemoryBackend, sampleStatus, sampleSync } from '../src/backend/memory'
import { ageLabel, syncSummary } from '../src/clerk/syncFormat'
import { mountWith } from './mount'
import type { Result } from '../src/backend'
import type { Permission, SyncOverview } from '../src/bindings'

const clerk = {
  id: 'c1',
  name: '张敏',
  department: '户政科',
  post: '综合窗口',
  permissions: ['accept', 'query'] as Permission[],
  items: { kind: 'all' as const },
  mode: 'online' as const,
  ukey_default_pin: false,
}
const offline = {
  code: 'sync_network',
  message: '无法连接中心服务（网络中断或服务未启动），数据已保存在本机，恢复后自动上传。',
  detail: 'network: connection refused',
  at: 1_700_000_000_000,
}

describe('sync status in the status bar (issue 6)', () => {
  it('never says 已同步 while anything is pending; shows the age of the oldest and the error', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(App, backend)
    const pending = () => w.find('[data-testid="status-pending"]')
    expect(pending().text()).toBe('已同步')
    expect(pending().attributes('data-synced')).toBe('true')

    backend.pushSync({
      phase: 'waiting_retry',
      pending_records: 2,
      oldest_pending_at: Date.now() - 5 * 60_000 - 1000,
      last_error: offline,
      all_synced: false,
    })
    await flushPromises()
    expect(pending().text()).toBe('待同步：2 条')
    expect(pending().attributes('data-count')).toBe('2')
    expect(pending().attributes('data-synced')).toBe('false')
    expect(w.find('[data-testid="status-sync-age"]').text()).toBe('最早 5分钟前')
    expect(w.find('[data-testid="status-sync-error"]').text()).toBe('同步失败：无法连接中心服务')
    expect(w.find('[data-testid="status-sync-error"]').attributes('title')).toBe(offline.message)

    // Files count as pending too, even with no record waiting.
    backend.pushSync({ pending_records: 0, pending_blobs: 1, all_synced: false })
    await flushPromises()
    expect(pending().text()).toBe('待同步：1 条')

    // A record the shell counted a moment ago wins over an older sync reading.
    backend.pushSync({ pending_blobs: 0, all_synced: true, last_error: null, phase: 'idle' })
    backend.push({ pending_sync: 1 })
    await flushPromises()
    expect(pending().text()).toBe('待同步：1 条')

    backend.push({ pending_sync: 0 })
    await flushPromises()
    expect(pending().text()).toBe('已同步')
    expect(w.find('[data-testid="status-sync-error"]').exists()).toBe(false)
    expect(w.find('[data-testid="status-sync-age"]').exists()).toBe(false)
  })

  it('refused records are shown as needing a person, not as synced', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(App, backend)
    backend.pushSync({ parked_records: 1, all_synced: false })
    await flushPromises()
    const pending = w.find('[data-testid="status-pending"]')
    expect(pending.text()).toBe('被拒收：1 条待处理')
    expect(pending.attributes('data-synced')).toBe('false')
  })

  it('without a backend nothing is called synced', () => {
    const s = syncSummary(0, sampleSync({ phase: 'not_configured', last_success_at: null }))
    expect(s.synced).toBe(false)
    expect(s.label).toBe('待同步：0')
    expect(syncSummary(0, null).synced).toBe(false)
  })

  it('ages read in minutes, hours and days', () => {
    const now = 10 * 86_400_000
    expect(ageLabel(now - 30_000, now)).toBe('不到1分钟')
    expect(ageLabel(now - 59 * 60_000, now)).toBe('59分钟')
    expect(ageLabel(now - 3 * 3_600_000, now)).toBe('3小时')
    expect(ageLabel(now - 3 * 86_400_000, now)).toBe('3天')
  })
})

describe('sync page (issue 6)', () => {
  it('is reachable from the workbench menu and shows pending, oldest, last success, error and refused records', async () => {
    const backend = new MemoryBackend(sampleStatus({ clerk }))
    backend.sync = {
      status: sampleSync({
        phase: 'waiting_retry',
        pending_records: 3,
        pending_blobs: 1,
        pending_blob_bytes: 3 * 1024 * 1024,
        parked_records: 1,
        oldest_pending_at: Date.now() - 2 * 3_600_000,
        last_error: offline,
        next_retry_at: Date.now() + 30_000,
        upload: { sha256: 'ab'.repeat(32), sent: 1024 * 1024, total: 4 * 1024 * 1024 },
        all_synced: false,
      }),
      parked_records: [
        {
          id: '01930000-0000-7000-8000-000000000001',
          kind: 'audit',
          version: 1,
          code: 'sync_refused_bad_request',
          reason: '审计链不连续',
          created_at: 1_700_000_000_000,
          parked_at: 1_700_000_100_000,
        },
      ],
      parked_blobs: [],
    }
    const w = await mountWith(App, backend)
    await w.find('[data-menu="sync"]').trigger('click')
    await flushPromises()
    const page = w.find('[data-testid="sync-page"]')
    expect(page.exists()).toBe(true)
    expect(w.find('[data-testid="sync-pending"]').text()).toBe('记录 3 条，材料文件 1 个（3.0 MB）')
    expect(w.find('[data-testid="sync-state"]').text()).toBe('待同步：4 条')
    expect(w.find('[data-testid="sync-oldest"]').text()).toContain('已等待 2小时')
    expect(w.find('[data-testid="sync-last-success"]').text()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(w.find('[data-testid="sync-last-error"]').text()).toContain('无法连接中心服务')
    expect(w.find('[data-testid="sync-upload"]').text()).toContain('1.0 MB / 4.0 MB')
    const parked = w.find('[data-testid="sync-parked-records"]').text()
    expect(parked).toContain('审计记录')
    expect(parked).toContain('审计链不连续')

    // 「重新提交」: the refused record is pending again and the table is gone.
    await w.find('[data-testid="sync-retry-parked"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="sync-parked-records"]').exists()).toBe(false)
    expect(w.find('[data-testid="sync-pending"]').text()).toContain('记录 4 条')
    expect(w.find('[data-testid="sync-retry-parked"]').exists()).toBe(false)

    // 「立即同步」 asks the workstation and shows the answer.
    backend.onSyncNow = () => {
      backend.sync = { ...backend.sync, status: sampleSync(), parked_records: [] }
    }
    await w.find('[data-testid="sync-now"]').trigger('click')
    await flushPromises()
    expect(backend.syncNowCalls).toBe(1)
    expect(w.find('[data-testid="sync-now-requested"]').exists()).toBe(true)
    expect(w.find('[data-testid="sync-state"]').text()).toBe('已同步')
    expect(w.find('[data-testid="sync-parked-records"]').exists()).toBe(false)

    await w.find('[data-testid="sync-close"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="workbench"]').exists()).toBe(true)
  })

  it('opens from the status bar before login, and Esc returns', async () => {
    const backend = new MemoryBackend()
    const w = await mountWith(App, backend)
    await w.find('[data-testid="status-pending"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="sync-page"]').exists()).toBe(true)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(w.find('[data-testid="sync-page"]').exists()).toBe(false)
    expect(w.find('[data-testid="login-view"]').exists()).toBe(true)
  })

  it('shows the Chinese error when 立即同步 cannot run', async () => {
    const backend = new MemoryBackend(sampleStatus({ clerk }))
    backend.syncNow = async (): Promise<Result<SyncOverview>> => ({
      status: 'error' as const,
      error: { code: 'sync.not_started', message: '同步服务未能启动（本地数据库或数据密钥不可用），请联系运维人员。', detail: '' },
    })
    const w = await mountWith(App, backend)
    await w.find('[data-menu="sync"]').trigger('click')
    await flushPromises()
    await w.find('[data-testid="sync-now"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="sync-page-error"]').text()).toContain('同步服务未能启动')
  })
})
