import { createApp } from 'vue'
import { createPinia } from 'pinia'
import {
  ElAlert,
  ElButton,
  ElConfigProvider,
  ElDatePicker,
  ElDialog,
  ElDrawer,
  ElForm,
  ElFormItem,
  ElInput,
  ElResult,
  ElSelect,
  ElTag,
} from 'element-plus'
import 'element-plus/dist/index.css'
// Element Plus formats dates through dayjs: its Chinese locale, loaded once.
import 'dayjs/locale/zh-cn'
import App from './App.vue'
import { installBackend } from '../backend'
import { tauriBackend } from '../backend/tauri'

const app = createApp(App)
for (const c of [ElAlert, ElButton, ElConfigProvider, ElDatePicker, ElDialog, ElDrawer, ElForm, ElFormItem, ElInput, ElResult, ElSelect, ElTag]) {
  app.use(c)
}
app.use(createPinia())
installBackend(app, tauriBackend)
app.mount('#app')
