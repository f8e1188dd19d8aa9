import { createApp } from 'vue'
import { createPinia } from 'pinia'
import {
  ElAlert,
  ElButton,
  ElConfigProvider,
  ElDrawer,
  ElForm,
  ElFormItem,
  ElInput,
  ElResult,
  ElSelect,
  ElTag,
} from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { installBackend } from '../backend'
import { tauriBackend } from '../backend/tauri'

const app = createApp(App)
for (const c of [ElAlert, ElButton, ElConfigProvider, ElDrawer, ElForm, ElFormItem, ElInput, ElResult, ElSelect, ElTag]) {
  app.use(c)
}
app.use(createPinia())
installBackend(app, tauriBackend)
app.mount('#app')
