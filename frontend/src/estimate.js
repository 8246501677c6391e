// The time left, from the bytes sent over the last few seconds.
//
// Uppy's status bar smooths a speed that starts from its first sample. With
// several uploads at once (the parallel pieces of one file, or several
// files), progress events come in bursts: the first sample may be one
// piece's bytes over a millisecond, and the estimate then says "0s left" for
// many seconds; after an outage it divides by the whole outage instead. This
// estimate takes the bytes sent over a window of a few seconds up to now, so
// it follows the speed the bytes actually flow at, grows while nothing
// moves, and starts afresh after an outage, a pause or a reload.

import { prettyETA } from '@uppy/core/utils'

// How far back the speed is taken from.
const WINDOW_MS = 5000
// Less than this much flow says nothing yet about the speed.
const SHORTEST_SPAN_MS = 1000

export class Estimate {
  constructor (uppy) {
    this.uppy = uppy
    this.samples = []
    uppy.on('upload-progress', () => this.#sample())
    const restarts = [
      'upload', 'pause-all', 'resume-all', 'cancel-all', 'complete',
      'restore-confirmed', 'restored', 'upload-pause', 'retry-all', 'upload-retry',
    ]
    for (const name of restarts) uppy.on(name, () => this.restart())
    window.addEventListener('offline', () => this.restart())
    window.addEventListener('online', () => this.restart())
  }

  restart () {
    this.samples = []
  }

  /** Seconds until the started files have arrived, or null if not known yet. */
  secondsLeft (now = performance.now()) {
    const first = this.samples[0]
    if (!first || now - first.time < SHORTEST_SPAN_MS) return null
    const { uploaded, total } = this.#totals()
    const speed = (uploaded - first.uploaded) / (now - first.time)
    if (!(speed > 0) || total <= uploaded) return null
    return (total - uploaded) / speed / 1000
  }

  /** Uppy's "%{time} left", with this estimate's time; empty while unknown. */
  timeLeft (translate) {
    const seconds = this.secondsLeft()
    if (seconds == null) return ''
    return translate('xTimeLeft', { time: prettyETA(Math.ceil(seconds)) })
  }

  /**
   * Show this estimate in a Dashboard's status bar. The status bar asks its
   * plugin's translator for "xTimeLeft" with its own time; the translator is
   * made anew when the plugin's options change.
   */
  showIn (dashboard) {
    const wrap = () => {
      const translate = dashboard.i18n
      dashboard.i18n = (key, options) =>
        key === 'xTimeLeft' ? this.timeLeft(translate) : translate(key, options)
    }
    const i18nInit = dashboard.i18nInit.bind(dashboard)
    dashboard.i18nInit = () => {
      i18nInit()
      wrap()
    }
    wrap()
  }

  #sample () {
    const now = performance.now()
    const { uploaded } = this.#totals()
    this.samples.push({ time: now, uploaded })
    // Keep the newest sample older than the window as the window's start.
    while (this.samples.length > 2 && this.samples[1].time <= now - WINDOW_MS) {
      this.samples.shift()
    }
  }

  #totals () {
    let uploaded = 0
    let total = 0
    for (const file of this.uppy.getFiles()) {
      if (!file.progress.uploadStarted) continue
      uploaded += file.progress.bytesUploaded || 0
      total += file.progress.bytesTotal || 0
    }
    return { uploaded, total }
  }
}
