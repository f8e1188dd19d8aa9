// The sync status as the UI sees it (issue 6): pushed by the workstation on every change,
// read once at start so the status bar is right before the first change arrives.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SyncStatus } from '../bindings'
import type { Backend, Unsubscribe } from '../backend'

export const useSyncStore = defineStore('sync', () => {
  const status = ref<SyncStatus | null>(null)
  let unsubscribe: Unsubscribe | null = null

  async function start(backend: Backend) {
    // Subscribe first, so a change between the two calls is not lost.
    unsubscribe ??= await backend.onSyncStatus((s) => (status.value = s))
    const r = await backend.syncStatus()
    if (r.status === 'ok') status.value ??= r.data.status
  }

  /** A fresher status than the last event (the sync page's read, 「立即同步」's answer). */
  function set(s: SyncStatus) {
    status.value = s
  }

  function stop() {
    unsubscribe?.()
    unsubscribe = null
  }

  return { status, start, set, stop }
})
