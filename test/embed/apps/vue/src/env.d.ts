/// <reference types="@aintandem/progress-elements/types/vue" />
