// Backend over the Tauri IPC, through the bindings generated from the Rust types.
import { commands, events } from '../bindings'
import type { Backend } from './backend'

export const tauriBackend: Backend = {
  appInfo: () => commands.getAppInfo(),
  shellStatus: () => commands.getShellStatus(),
  async onShellStatus(listener) {
    return events.shellStatusChanged.listen((event) => listener(event.payload))
  },
  uiRendered: (view) => commands.uiRendered(view),
  async onCardEvent(listener) {
    return events.idCardChanged.listen((event) => listener(event.payload))
  },
  simulateCard: (sample) => commands.simulateCard(sample),
  simulateCardRemoval: () => commands.simulateCardRemoval(),
  printTestSlip: () => commands.printTestSlip(),
  printTestPage: () => commands.printTestPage(),
  simulatePrinterFault: (fault, on) => commands.simulatePrinterFault(fault, on),
  async onScan(listener) {
    return events.scanned.listen((event) => listener(event.payload))
  },
  simulateScan: (text) => commands.simulateScan(text),
  loginKeys: () => commands.loginKeys(),
  login: (keyId, certId, pin) => commands.login(keyId, certId, pin),
  unlock: (pin) => commands.unlock(pin),
  logout: () => commands.logout(),
  async onUkeyChanged(listener) {
    return events.ukeyChanged.listen((event) => listener(event.payload))
  },
  syncStatus: () => commands.syncStatus(),
  syncNow: () => commands.syncNow(),
  async onSyncStatus(listener) {
    return events.syncStatusChanged.listen((event) => listener(event.payload))
  },
}
