// Entry point: global styles, the session restored from a stored refresh token, the app.
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { restore } from './lib/stores/session.svelte';

void restore();
const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
export default mount(App, { target });
