import { createApp } from 'vue'
import { createPinia } from 'pinia'
import CitizenApp from './CitizenApp.vue'
import { installBackend } from '../backend'
import { tauriBackend } from '../backend/tauri'

const app = createApp(CitizenApp)
app.use(createPinia())
installBackend(app, tauriBackend)
app.mount('#app')
