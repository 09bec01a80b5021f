import type { PilotError } from '../errors';

/** Data that is read on demand: not asked yet, being read, read, or failed (shown as a row, never a pop-up). */
export type Loadable<T> = { readonly kind: 'idle' } | { readonly kind: 'loading' } | { readonly kind: 'loaded'; readonly value: T } | { readonly kind: 'failed'; readonly error: PilotError };
