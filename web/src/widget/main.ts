import { createApp } from 'vue';
import '../styles/base.css';
import { i18n, initDocumentLang } from '../shared/i18n';
import HelpPage from './HelpPage.vue';

initDocumentLang();
createApp(HelpPage).use(i18n).mount('#app');
