/** Time as a dependency (docs/architecture.md#the-seams); one definition, shared with drivers/. */
export { systemClock, type Clock } from '../drivers/clock.ts';
