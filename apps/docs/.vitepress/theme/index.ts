/** The docs theme: VitePress's default theme plus the live event viewer and the dev-mode "send example" button. */
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import LiveEvents from './LiveEvents.vue';
import SendExample from './SendExample.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('LiveEvents', LiveEvents);
    app.component('SendExample', SendExample);
  },
} satisfies Theme;
