// The speed and time left of one upload, from the bytes sent over the last
// few seconds (as the Classic page's estimate.js): it follows the speed the
// bytes actually flow at, grows while nothing moves, and starts afresh
// after a pause, an outage or a reload.

const WINDOW_MS = 5000;
// Less than this much flow says nothing yet about the speed.
const SHORTEST_SPAN_MS = 1000;

export class Speedometer {
  constructor(now = () => Date.now()) {
    this.now = now;
    this.samples = [];
  }

  restart() {
    this.samples = [];
  }

  /** Record that `sent` bytes have been sent by now. */
  sample(sent) {
    const time = this.now();
    this.samples.push({ time, sent });
    // Keep the newest sample older than the window as the window's start.
    while (
      this.samples.length > 2 &&
      this.samples[1].time <= time - WINDOW_MS
    ) {
      this.samples.shift();
    }
  }

  /** Bytes per second, or null while too little is known. */
  bytesPerSecond() {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const time = this.now();
    if (!first || time - first.time < SHORTEST_SPAN_MS) return null;
    const speed = ((last.sent - first.sent) / (time - first.time)) * 1000;
    return speed > 0 ? speed : null;
  }

  /** Seconds until `total` bytes are sent, or null while unknown. */
  secondsLeft(total) {
    const speed = this.bytesPerSecond();
    const last = this.samples[this.samples.length - 1];
    if (!speed || !last || total <= last.sent) return null;
    return (total - last.sent) / speed;
  }
}

/** "12 s", "3 min 5 s", "1 h 2 min": short and language-neutral. */
export function formatDuration(seconds) {
  const whole = Math.max(1, Math.ceil(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

/** "42 MB/s", "850 kB/s": decimal units, as browsers show speeds. */
export function formatSpeed(bytesPerSecond) {
  if (bytesPerSecond >= 1e6) {
    return `${(bytesPerSecond / 1e6).toFixed(bytesPerSecond >= 1e7 ? 0 : 1)} MB/s`;
  }
  return `${Math.max(1, Math.round(bytesPerSecond / 1e3))} kB/s`;
}
