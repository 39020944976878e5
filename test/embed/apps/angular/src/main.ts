import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import '@aintandem/progress-elements';
import { configureFromQuery } from '../../shared/scenario.js';
import { AppComponent } from './app.component.js';

configureFromQuery();
bootstrapApplication(AppComponent, { providers: [provideZonelessChangeDetection()] }).catch((error: unknown) => console.error(error));
