import { Component, CUSTOM_ELEMENTS_SCHEMA, signal } from '@angular/core';
import { initialTask, logEntry, runningContainer } from '../../shared/scenario.js';

/** A standalone component: the tags are custom elements (CUSTOM_ELEMENTS_SCHEMA), ids are attributes, `state` a property binding. */
@Component({
  selector: 'app-root',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <main>
      <h1>Angular</h1>
      @if (shown()) {
        <task-progress project-id="p1" task-id="t1" label="Build" [state]="task" (task-complete)="add(logEntry($event))"></task-progress>
        <workflow-tracker project-id="p1" workflow-id="wf1" layout="compact" (workflow-complete)="add(logEntry($event))"></workflow-tracker>
        <container-status [state]="container"></container-status>
      }
      <p id="log">{{ log().join(' ') }}</p>
      <button id="toggle" type="button" (click)="shown.set(!shown())">{{ shown() ? 'Hide' : 'Show' }}</button>
    </main>
  `,
})
export class AppComponent {
  protected readonly shown = signal(true);
  protected readonly log = signal<string[]>([]);
  protected readonly task = initialTask();
  protected readonly container = runningContainer();
  protected readonly logEntry = logEntry;

  protected add(entry: string): void {
    this.log.update((entries) => [...entries, entry]);
  }
}
