/// <reference types="@aintandem/progress-elements/types/react" />
