// The clerk-facing names of intake's states, decisions, receipt forms, ID sources and lights,
// as the workstation supplies them (`yichuang_core::domain::intake::labels`); loaded once.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CaseState, DecisionKind, IdSource, IntakeLabels, Light, ReceivedAs } from '../bindings'
import type { Backend } from '../backend'

export const useLabelsStore = defineStore('labels', () => {
  const labels = ref<IntakeLabels | null>(null)
  let loading: Promise<void> | null = null

  /** Loads the tables the first time; later calls wait for that load. */
  function load(backend: Backend): Promise<void> {
    loading ??= backend.intake.labels().then(
      (l) => void (labels.value = l),
      () => void (loading = null),
    )
    return loading
  }

  const state = (s: CaseState) => labels.value?.case_states[s] ?? ''
  const decision = (k: DecisionKind) => labels.value?.decision_kinds[k] ?? ''
  const received = (r: ReceivedAs) => labels.value?.received_as[r] ?? ''
  const idSource = (s: IdSource) => labels.value?.id_sources[s] ?? ''
  const light = (l: Light) => labels.value?.lights[l] ?? ''
  /** A table's values in the workstation's order, for a select. */
  function entries<K extends string>(table: (l: IntakeLabels) => Record<K, string>): [K, string][] {
    return labels.value ? (Object.entries(table(labels.value)) as [K, string][]) : []
  }

  return { labels, load, state, decision, received, idSource, light, entries }
})
