/// <reference types="@aintandem/progress-elements/types/svelte" />
