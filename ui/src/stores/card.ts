// The card on the ID-card reader, as the reader reports it (C1, C2).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CitizenCard, UserError } from '../bindings'
import type { Backend, Unsubscribe } from '../backend'

export const useCardStore = defineStore('card', () => {
  /** The last card read; kept after removal so the clerk can still see it. */
  const card = ref<CitizenCard | null>(null)
  const onReader = ref(false)
  const error = ref<UserError | null>(null)
  let unsubscribe: Unsubscribe | null = null

  async function start(backend: Backend) {
    unsubscribe ??= await backend.onCardEvent((e) => {
      switch (e.type) {
        case 'present':
          card.value = e.card
          onReader.value = true
          error.value = null
          break
        case 'removed':
          onReader.value = false
          break
        case 'read_failed':
          error.value = e.error
          break
      }
    })
  }

  /** Logout or another clerk's login: the last clerk's citizen is not shown to the next. */
  function forget() {
    card.value = null
    onReader.value = false
    error.value = null
  }

  function stop() {
    unsubscribe?.()
    unsubscribe = null
  }

  return { card, onReader, error, start, stop, forget }
})
