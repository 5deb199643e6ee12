import { createApp } from 'vue';
import App from './App.vue';
import { installSessionGuard } from './composables/session.js';
import { createAppRouter } from './router.js';
import './styles/base.css';
import './styles/feedback.css';
import './styles/labels.css';
import './styles/layout.css';
import './styles/settings-list.css';

const router = createAppRouter();
installSessionGuard(router);
createApp(App).use(router).mount('#app');
