// The workstation's shell state as the UI sees it: app info (once) and the live status bar.
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { AppInfo, ShellStatus } from '../bindings'
import type { Backend, Unsubscribe } from '../backend'
import { setHallOffset } from '../time'

export const useShellStore = defineStore('shell', () => {
  const info = ref<AppInfo | null>(null)
  const status = ref<ShellStatus | null>(null)
  let unsubscribe: Unsubscribe | null = null

  // Both windows' times follow the hall's zone from the workstation.
  watch(
    () => status.value?.utc_offset_minutes,
    (m) => {
      if (m != null) setHallOffset(m)
    },
    { immediate: true },
  )

  /** Follows the live status (both windows). */
  async function start(backend: Backend) {
    // Subscribe first, so a change between the two calls is not lost.
    unsubscribe ??= await backend.onShellStatus((s) => (status.value = s))
    const s = await backend.shellStatus()
    status.value ??= s
  }

  /** Loads the app info; the clerk window only (the citizen window may not ask for it). */
  async function loadInfo(backend: Backend) {
    info.value = await backend.appInfo()
  }

  function stop() {
    unsubscribe?.()
    unsubscribe = null
  }

  return { info, status, start, loadInfo, stop }
})
