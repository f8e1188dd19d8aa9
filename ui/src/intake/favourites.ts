// 事项收藏 (D3): whether an item is one of the clerk's favourites, and the star that adds or
// removes it. The workbench home (`intake.home`) is the one list; it is reloaded after a change.
import { useBackend } from '../backend'
import type { UserError } from '../bindings'
import { useIntakeStore } from '../stores/intake'

export function useFavourites() {
  const backend = useBackend()
  const intake = useIntakeStore()
  const isFavourite = (code: string) => !!intake.home?.favourites.some((h) => h.code === code)
  /** Adds or removes the item; the error, if any, for the caller to show by its star. */
  async function toggle(code: string): Promise<UserError | null> {
    const r = await backend.intake.favourite(code, !isFavourite(code))
    if (r.status === 'error') return r.error
    await intake.loadHome()
    return null
  }
  return { isFavourite, toggle }
}
