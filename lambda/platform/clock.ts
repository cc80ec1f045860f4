// Time is a dependency: production passes Date.now, tests pass a clock they move by hand.

/** Milliseconds since the epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
