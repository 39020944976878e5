import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@aintandem/progress-elements/task-progress.js';
import '@aintandem/progress-elements/workflow-tracker.js';
import '@aintandem/progress-elements/container-status.js';
import { configureFromQuery } from '../../shared/scenario.js';
import { App } from './App.js';

configureFromQuery();
createRoot(document.getElementById('app')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
