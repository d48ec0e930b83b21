/** Time as a dependency (STYLE.md 6); one definition, shared with drivers/. */
export { systemClock, type Clock } from '../drivers/clock.ts';
