/**
 * Angular: the standalone component in test/embed/apps/angular (CUSTOM_ELEMENTS_SCHEMA), built by
 * the Angular CLI with @angular/build:application, whose compiler also checks the templates
 * (strictTemplates: `$event` of the elements' events is typed through HTMLElementEventMap).
 */
import { embeddingSuite } from './harness.js';

embeddingSuite({
  name: 'Angular app',
  app: 'angular',
  checks: [],
  build: ['ng', ['build']],
  out: 'dist',
});
