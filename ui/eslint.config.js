import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/bindings.ts'] },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, sourceType: 'module' },
    },
  },
  {
    rules: {
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      // Only the Tauri backend implementation may touch Tauri or the generated runtime
      // bindings; everything else goes through the Backend interface (type imports allowed).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tauri-apps/*'], message: 'Use the Backend interface (src/backend).' },
            {
              group: ['**/bindings', '**/bindings.ts'],
              allowTypeImports: true,
              message: 'Import bindings as types only; calls go through the Backend interface.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/backend/tauri.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
)
