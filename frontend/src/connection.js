// The connection: say when the browser is offline, hold requests until it
// is back, and keep the time estimate honest afterwards.
//
// Uppy's own "No Internet connection" notice is shown for 0 ms, and its
// status bar estimates the speed from the bytes sent since the last bytes
// arrived: after an outage of 30 s it divides one piece by 30 s and
// announces a quarter of an hour. So the page shows its own notice while
// offline, hides the frozen estimate, and starts the estimate afresh once
// bytes flow again (after an outage, a pause or a reload).

/** A promise that resolves when the browser is (back) online. */
export function whenOnline () {
  if (navigator.onLine !== false) return Promise.resolve()
  return new Promise((resolve) => {
    window.addEventListener('online', () => resolve(), { once: true })
  })
}

export class Connection {
  constructor (uppy, root, { announce, messages }) {
    this.uppy = uppy
    this.root = root
    this.notice = root.querySelector('.tusupload-offline')
    this.announce = announce
    this.messages = messages
    this.estimateIsStale = false

    window.addEventListener('offline', () => this.#offline())
    window.addEventListener('online', () => this.#online())
    if (navigator.onLine === false) this.#offline()

    for (const name of ['resume-all', 'restore-confirmed', 'restored']) {
      uppy.on(name, () => { this.estimateIsStale = true })
    }
    uppy.on('upload-pause', (file, isPaused) => {
      if (!isPaused) this.estimateIsStale = true
    })
    uppy.on('upload-progress', () => {
      if (this.estimateIsStale && navigator.onLine !== false) {
        this.estimateIsStale = false
        this.#restartEstimate()
      }
    })
  }

  #offline () {
    this.notice.hidden = false
    this.root.classList.add('tusupload-is-offline')
    this.estimateIsStale = true
  }

  #online () {
    if (this.notice.hidden) return
    this.notice.hidden = true
    this.root.classList.remove('tusupload-is-offline')
    this.estimateIsStale = true
    if (this.#uploading()) this.announce(this.messages.backOnline)
  }

  #uploading () {
    return this.uppy.getFiles().some(
      (file) => file.progress.uploadStarted && !file.progress.uploadComplete,
    )
  }

  // The status bar keeps its estimate in private fields, set up when it is
  // mounted: mount it again.
  #restartEstimate () {
    const dashboard = this.uppy.getPlugin('Dashboard')
    if (!dashboard || dashboard.opts.disableStatusBar) return
    dashboard.setOptions({ disableStatusBar: true })
    setTimeout(() => dashboard.setOptions({ disableStatusBar: false }), 0)
  }
}
