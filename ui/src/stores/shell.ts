// The workstation's shell state as the UI sees it: app info (once) and the live status bar.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo, ShellStatus } from '../bindings'
import type { Backend, Unsubscribe } from '../backend'

export const useShellStore = defineStore('shell', () => {
  const info = ref<AppInfo | null>(null)
  const status = ref<ShellStatus | null>(null)
  let unsubscribe: Unsubscribe | null = null

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
