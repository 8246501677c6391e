// Files that can't be uploaded here, and what the page offers for them.
//
// A file the page refuses before sending (over the size limit, a type the
// site doesn't take) never becomes a tile: Uppy won't add it. It is listed
// under the drop zone instead, with its name and the reason, until the
// editor dismisses it.
//
// A file the server refuses for good (413 over the size limit, 415, 403,
// 400) keeps its tile and the reason on it, but is offered no retry: its
// tile loses the retry button, the status bar's Retry appears only while a
// failure that a retry can mend remains, and neither Retry nor a later
// Upload sends it again. Uppy retries every file with an error, so while
// it picks the files to send, the errors of refused files are hidden.
// Files added later can be uploaded at once: a refused file counts as done.

export class Refusals {
  constructor (uppy, root, { onRefusedBeforeSending }) {
    this.uppy = uppy
    this.root = root
    this.ids = new Set()
    this.style = document.createElement('style')
    root.appendChild(this.style)
    this.onRefusedBeforeSending = onRefusedBeforeSending
    this.list = root.querySelector('.tusupload-refused')

    const update = () => this.update()
    for (const name of ['upload-error', 'upload-success', 'upload-retry', 'retry-all',
      'complete', 'cancel-all', 'file-added']) {
      uppy.on(name, update)
    }
    uppy.on('file-removed', (file) => {
      this.ids.delete(file.id)
      this.update()
    })
    uppy.upload = this.#withoutRefused(uppy.upload.bind(uppy))
    uppy.retryAll = this.#withoutRefused(uppy.retryAll.bind(uppy))
  }

  /**
   * The server refused this file for good. To Uppy it is then done (not
   * "in progress", which would keep the status bar from offering to
   * upload files added later), with its error; nothing of it counts as
   * sent.
   */
  refuse (fileID) {
    const file = this.uppy.getFile(fileID)
    if (!file) return
    this.ids.add(fileID)
    this.uppy.setFileState(fileID, {
      progress: { ...file.progress, uploadComplete: true, bytesUploaded: 0, percentage: 0 },
    })
    if (!this.canRetry()) this.uppy.setState({ error: null })
    this.update()
  }

  isRefused (fileID) {
    return this.ids.has(fileID)
  }

  /** Whether some failed file would profit from a retry. */
  canRetry () {
    return this.uppy.getFiles().some((file) => file.error && !this.ids.has(file.id))
  }

  update () {
    this.style.textContent = [...this.ids]
      .map((id) => `#${CSS.escape(`uppy_${id}`)} .uppy-Dashboard-Item-progress { display: none; }`)
      .join('\n')
    this.root.classList.toggle('tusupload-nothing-to-retry', !this.canRetry())
  }

  /** List a file the page would not send, with the reason in words. */
  listRefusedBeforeSending (name, message) {
    const entry = document.createElement('li')
    entry.className = 'tusupload-refused-file'
    entry.dataset.fileName = name
    const text = document.createElement('span')
    text.textContent = message
    const dismiss = document.createElement('button')
    dismiss.type = 'button'
    dismiss.className = 'btn-close'
    dismiss.setAttribute('aria-label', this.list.dataset.dismiss.replace('{file}', name))
    dismiss.addEventListener('click', () => {
      const next = entry.nextElementSibling || entry.previousElementSibling
      entry.remove()
      // Keep the keyboard where the editor was.
      const target = next?.querySelector('button') ||
        this.root.querySelector('.uppy-Dashboard-browse, .uppy-DashboardContent-addMore')
      target?.focus()
    })
    entry.append(text, ' ', dismiss)
    this.list.appendChild(entry)
    this.onRefusedBeforeSending?.(message)
  }

  #refusedFiles () {
    return this.uppy.getFiles().filter((file) => file.error && this.ids.has(file.id))
  }

  #withoutRefused (method) {
    return (...args) => {
      const hidden = this.#refusedFiles()
      if (!hidden.length) return method(...args)
      this.#setErrors(Object.fromEntries(hidden.map((file) => [file.id, null])))
      try {
        // Uppy decides which files to retry synchronously, at the start.
        return method(...args)
      } finally {
        this.#setErrors(Object.fromEntries(hidden.map((file) => [file.id, file.error])))
      }
    }
  }

  #setErrors (errors) {
    const files = { ...this.uppy.getState().files }
    for (const [id, error] of Object.entries(errors)) {
      if (files[id]) files[id] = { ...files[id], error }
    }
    this.uppy.setState({ files })
  }
}
