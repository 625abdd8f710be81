// Progress output: one line per phase, redrawn in place on a terminal and printed at most every
// half second otherwise (so logs stay short), then a final line when the phase is done.
export class Progress {
  private last = new Map<string, number>();
  private open: string | undefined;

  constructor(
    private readonly print: (line: string) => void,
    private readonly live: boolean,
  ) {}

  line(phase: string, text: string): void {
    const now = Date.now();
    if (this.live) {
      process.stdout.write(`\r\x1b[2K${phase.padEnd(11)} ${text}`);
      this.open = phase;
      return;
    }
    if (now - (this.last.get(phase) ?? 0) < 500) return;
    this.last.set(phase, now);
    this.print(`${phase.padEnd(11)} ${text}`);
  }

  done(phase: string, text: string): void {
    if (this.live && this.open) process.stdout.write('\r\x1b[2K');
    this.open = undefined;
    this.print(`${phase.padEnd(11)} ✓ ${text}`);
  }

  note(text: string): void {
    if (this.live && this.open) process.stdout.write('\n');
    this.open = undefined;
    this.print(`  ${text}`);
  }
}
