import { createApp } from 'vue';
import '@aintandem/progress-elements';
import { configureFromQuery } from '../../shared/scenario.js';
import App from './App.vue';

configureFromQuery();
createApp(App).mount('#app');
