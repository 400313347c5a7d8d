import { createApp } from 'vue';
import '../styles/base.css';
import { i18n, initDocumentLang } from '../shared/i18n';
import ConsoleApp from './ConsoleApp.vue';

initDocumentLang();
createApp(ConsoleApp).use(i18n).mount('#app');
