// What the editor is told, seen and heard: links to the new items, a live
// region that announces arrivals and failures, and focus that stays on the
// page when Uppy removes the control that had it.

import { format } from './messages.js'

export class Feedback {
  constructor (uppy, root, messages) {
    this.uppy = uppy
    this.root = root
    this.messages = messages
    this.status = root.querySelector('.tusupload-status')
    this.results = root.querySelector('.tusupload-results')
    this.heading = root.querySelector('.tusupload-results-heading')
    this.list = root.querySelector('.tusupload-finished')

    // Uppy re-renders the control that had the focus away (the Upload
    // button once the upload starts, a tile's Remove button): the focus
    // then falls to the page's body, and is brought back here.
    uppy.on('file-removed', (file) => this.#keepFocus(file))
    uppy.on('complete', (result) => this.#complete(result))
  }

  /** Say something to screen readers (polite), once. */
  announce (text) {
    if (!text) return
    // A change of the text is what is read: clear, then set.
    this.status.textContent = ''
    setTimeout(() => { this.status.textContent = text }, 50)
  }

  /** List a new item with a link to it. */
  showFinished (file, item) {
    const entry = document.createElement('li')
    entry.dataset.fileId = file.id
    const link = document.createElement('a')
    link.href = item['@id']
    link.className = 'tusupload-open'
    const title = item.title || file.meta.title || file.name
    link.textContent = format(this.messages.openItem || '{title}', { title })
    entry.appendChild(link)
    this.list.appendChild(entry)
    this.results.hidden = false
  }

  #complete (result) {
    const done = result.successful?.length || 0
    const failed = result.failed?.length || 0
    if (!done && !failed) return
    const total = this.uppy.getFiles().length
    const allDone = this.uppy.getFiles().every((file) => file.progress.uploadComplete && !file.error)
    const parts = [
      allDone
        ? format(this.messages.allUploaded, { count: total })
        : format(this.messages.someUploaded, {
          done: this.uppy.getFiles().filter((file) => file.progress.uploadComplete && !file.error).length,
          total,
        }),
    ]
    if (failed) parts.push(format(this.messages.notUploaded, { count: failed }))
    this.announce(parts.join(' '))
    if (this.#focusIsLost()) {
      if (!this.results.hidden) {
        this.heading.focus()
      } else {
        this.#focusDashboard()
      }
    }
  }

  #focusIsLost () {
    const active = document.activeElement
    return !active || active === document.body || !active.isConnected
  }

  #keepFocus (removed) {
    // Uppy renders after the state change: look once it has.
    setTimeout(() => {
      if (!this.#focusIsLost()) return
      const buttons = [...this.root.querySelectorAll('.uppy-Dashboard-Item-action--remove')]
      if (buttons.length) {
        buttons[0].focus()
      } else {
        this.#focusDashboard()
      }
    }, 0)
  }

  #focusDashboard () {
    const candidates = this.root.querySelectorAll(
      '.uppy-StatusBar-actionBtn--retry, .uppy-StatusBar-actionBtn--upload, ' +
      '.uppy-DashboardContent-addMore, .uppy-Dashboard-browse',
    )
    const visible = [...candidates].find((element) => element.offsetParent !== null)
    visible?.focus()
  }
}
