// What the clerk may do (A4), as the workstation says at login (`ClerkBadge.permissions`, the
// known codes only); the core enforces every one of them, the pages only follow: a control for
// a denied action is disabled with the reason in its tooltip, a page without its permission is
// not offered. Permission names come from the Rust label table (`intake_labels`).
//
// The clerk is the workbench's (`provideClerkStatus`, so its pages follow the status it was
// given), else the shell's live status (the key list, outside the workbench).
import { computed, inject, provide, type InjectionKey } from 'vue'
import type { Permission, ShellStatus } from '../bindings'
import { useShellStore } from '../stores/shell'
import { useLabelsStore } from '../stores/labels'

const clerkStatus: InjectionKey<() => ShellStatus | null | undefined> = Symbol('clerkStatus')

/** The workbench hands its status to the pages under it. */
export function provideClerkStatus(status: () => ShellStatus | null | undefined) {
  provide(clerkStatus, status)
}

/** The clerk's access; `own` is the status of the component that provides it (a component
 * does not see what it provides itself). */
export function useAccess(own?: () => ShellStatus | null | undefined) {
  const shell = useShellStore()
  const labels = useLabelsStore()
  const given = own ?? inject(clerkStatus, null)
  const status = computed(() => (given ? given() : shell.status))
  const permissions = computed<readonly Permission[]>(() => status.value?.clerk?.permissions ?? [])
  const can = (p: Permission) => permissions.value.includes(p)
  /** Holds `p`, or any one of `p` when it is a list. */
  const canAny = (p: Permission | readonly Permission[]) => (typeof p === 'string' ? can(p) : p.some(can))
  /** Why a control for `p` (any one of a list) is disabled; empty when the clerk holds it. */
  const denied = (p: Permission | readonly Permission[]) =>
    canAny(p) ? '' : `您没有“${(typeof p === 'string' ? [p] : p).map(labels.permission).join('”或“')}”权限，请联系管理员`
  /** The clerk serves no item at all (no catalog department named by theirs or their post). */
  const noItems = computed(() => {
    const items = status.value?.clerk?.items
    return !!items && items.kind === 'departments' && items.codes.length === 0
  })
  return { permissions, can, canAny, denied, noItems }
}
