/** The docs theme: VitePress's default theme plus the live event viewer component. */
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import LiveEvents from './LiveEvents.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('LiveEvents', LiveEvents);
  },
} satisfies Theme;
