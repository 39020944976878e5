import { mount } from 'svelte';
import '@aintandem/progress-elements/task-progress.js';
import '@aintandem/progress-elements/workflow-tracker.js';
import '@aintandem/progress-elements/container-status.js';
import { configureFromQuery } from '../../shared/scenario.js';
import App from './App.svelte';

configureFromQuery();
mount(App, { target: document.getElementById('app')! });
