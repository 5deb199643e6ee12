import { createApp } from 'vue';
import App from './App.vue';
import { createAppRouter } from './router.js';
import './styles/base.css';
import './styles/feedback.css';
import './styles/labels.css';
import './styles/layout.css';

createApp(App).use(createAppRouter()).mount('#app');
