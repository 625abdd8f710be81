// Running something at a wall-clock time, however far away. setTimeout takes at most 2^31 - 1 ms
// (24.8 days) and fires at once for anything longer, so the timer re-arms in steps and acts only
// once the time has really come.
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface Scheduled {
  cancel(): void;
}

/** Calls fn once Date.now() >= at (at once if that is already so); the timer never holds the process open. */
export function callAt(at: number, fn: () => void, now: () => number = Date.now): Scheduled {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (): void => {
    if (cancelled) return;
    const wait = at - now();
    if (wait <= 0) {
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(wait, MAX_TIMEOUT_MS));
    timer.unref();
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
