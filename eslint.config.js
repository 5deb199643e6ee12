// ESLint for the whole monorepo: TypeScript (typescript-eslint), Vue single-file components
// (eslint-plugin-vue) and the project's own rules. Formatting is Prettier's job (eslint-config-prettier
// turns ESLint's style rules off), so the two never disagree.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layout's slot names before they were renamed (`app.sidebar.*`, `app.header.*`, `page.canvas.main`,
// `app.modals`). In a template `#app.sidebar.mid` parses as slot `app` with modifiers, so the rule looks
// for slots named by those first words; in code and attributes it looks for the dotted strings.
const LEGACY_SLOT = /^(app\.(sidebar|header|modals)|page\.canvas)(\.|$)/;
const legacySlotMessage = 'Legacy layout slot name: use the slot names of UiBlankLayout (see its slots).';
const legacySlotRules = [
  { selector: `Literal[value=${LEGACY_SLOT}]`, message: legacySlotMessage },
  { selector: `TemplateElement[value.raw=${LEGACY_SLOT}]`, message: legacySlotMessage },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'bench/dist/**', 'packages/frontend/public/**', '**/test-output/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', ...legacySlotRules],
    },
  },
  {
    files: ['packages/frontend/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      'vue/no-restricted-syntax': [
        'error',
        ...legacySlotRules,
        { selector: `VDirectiveKey[name.name='slot'][argument.name=/^(app|page)$/]`, message: legacySlotMessage },
        { selector: `VAttribute[key.name='name'][value.value=${LEGACY_SLOT}]`, message: legacySlotMessage },
      ],
    },
  },
  {
    // Tests may use `any` for answers they read loosely and non-null assertions on what they just checked.
    files: ['**/*.test.ts', '**/test/**', 'test-support/**', 'e2e/**', 'examples/plugins/test-harness.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Misbehaving plugins on purpose: their empty busy loops are the point.
    files: ['packages/backend/test/fixtures/plugins/**'],
    rules: { 'no-empty': 'off' },
  },
  prettier,
);
