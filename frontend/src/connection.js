// The connection: say when the browser is offline and hold requests until
// it is back.
//
// Uppy's own "No Internet connection" notice is shown for 0 ms. So the page
// shows its own notice while offline and hides the frozen time estimate
// (estimate.js starts it afresh once bytes flow again).

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

    window.addEventListener('offline', () => this.#offline())
    window.addEventListener('online', () => this.#online())
    if (navigator.onLine === false) this.#offline()
  }

  #offline () {
    this.notice.hidden = false
    this.root.classList.add('tusupload-is-offline')
  }

  #online () {
    if (this.notice.hidden) return
    this.notice.hidden = true
    this.root.classList.remove('tusupload-is-offline')
    if (this.#uploading()) this.announce(this.messages.backOnline)
  }

  #uploading () {
    return this.uppy.getFiles().some(
      (file) => file.progress.uploadStarted && !file.progress.uploadComplete,
    )
  }
}
