// The one seam between the UI and the workstation process. Components and stores use only
// this interface; `tauri.ts` implements it over the generated IPC bindings, `memory.ts`
// in memory for component tests (no webview needed).
import type { AppInfo, ShellStatus } from '../bindings'

export type Unsubscribe = () => void

export interface Backend {
  appInfo(): Promise<AppInfo>
  shellStatus(): Promise<ShellStatus>
  /** Called with the whole status every time any part of it changes. */
  onShellStatus(listener: (status: ShellStatus) => void): Promise<Unsubscribe>
  /** Tells the workstation a view has painted (startup benchmark, log). */
  uiRendered(view: string): Promise<void>
}
