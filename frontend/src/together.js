// "Publish together": the page's files go into an upload session
// (<folder>/@upload-sessions, the PEP 694 model) instead of becoming items
// one by one. Each file is declared (name, size, SHA-256), its bytes go by
// tus to the upload the server made for it, then it is completed; the
// "Publish N files" button makes them all items at once. The session's
// address is kept in localStorage, so that after a reload the page offers
// to continue it (and any other open session of the folder).
import { sha256OfBlob } from './sha256.js'
import { format } from './messages.js'

const MECHANISM = 'vnd-tusupload-tus-v1'
const LIVE = ['open', 'error']
const POLL_DELAY = 1000

/** A problem+json reply in words: its errors' messages, else its detail. */
export function problemText (body, fallback) {
  const errors = (body?.errors || []).map((error) => error.message).filter(Boolean)
  if (errors.length > 1) return errors.join('; ')
  return errors[0] || body?.detail || fallback || ''
}

export class Together {
  constructor (uppy, element, config, { announce }) {
    this.uppy = uppy
    this.element = element
    this.config = config
    this.messages = config.messages
    this.announce = announce
    this.session = null
    this.box = element.querySelector('.tusupload-together')
    this.toggle = element.querySelector('.tusupload-together-toggle')
    this.panel = element.querySelector('.tusupload-session')
    this.offers = element.querySelector('.tusupload-offers')
    this.storageKey = `tusupload-session:${config.sessionsEndpoint}`
    if (!this.box || !config.sessionsEndpoint) return
    this.box.hidden = false
    this.toggle.addEventListener('change', () => this.onToggle())
    this.panel.querySelector('.tusupload-publish').addEventListener('click', () => this.publish())
    this.panel.querySelector('.tusupload-copy').addEventListener('click', () => this.copyLink())
    this.offerOpenSessions()
  }

  get wanted () {
    return Boolean(this.toggle?.checked)
  }

  async request (url, { method = 'GET', body } = {}) {
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-CSRF-TOKEN': this.config.csrfToken,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    let json = null
    try {
      json = await response.json()
    } catch (error) {
      json = null
    }
    return { status: response.status, body: json, location: response.headers.get('Location') }
  }

  // -- the session ----------------------------------------------------------

  async offerOpenSessions () {
    const reply = await this.request(this.config.sessionsEndpoint)
    if (reply.status !== 200) return
    const live = (reply.body.items || []).filter((item) => LIVE.includes(item.status))
    const remembered = localStorage.getItem(this.storageKey)
    live.sort((a, b) => (b.link === remembered) - (a.link === remembered))
    this.offers.replaceChildren()
    for (const item of live) {
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'btn btn-outline-primary btn-sm tusupload-continue'
      button.textContent = format(this.messages.continueSession, {
        name: item.name,
        count: item.files,
      })
      button.addEventListener('click', () => this.continueSession(item.link))
      const entry = document.createElement('li')
      entry.append(button)
      this.offers.append(entry)
    }
    this.offers.closest('.tusupload-resume').hidden = live.length === 0
  }

  async continueSession (link) {
    const reply = await this.request(link)
    if (reply.status !== 200) return this.showError(problemText(reply.body, this.messages.sessionGone))
    this.toggle.checked = true
    this.use(reply.body)
    this.offers.closest('.tusupload-resume').hidden = true
    await this.completeStaged()
    this.announce(format(this.messages.sessionContinued, { name: reply.body.name }))
  }

  onToggle () {
    this.opening = this.openSession()
  }

  async openSession () {
    if (!this.toggle.checked) {
      this.panel.hidden = true
      return
    }
    if (this.session) {
      this.render()
      return
    }
    const name = format(this.messages.sessionName, {
      when: new Date().toISOString().slice(0, 16).replace('T', ' '),
    })
    const reply = await this.request(this.config.sessionsEndpoint, { method: 'POST', body: { name } })
    if (reply.status === 201) return this.use(reply.body)
    if (reply.status === 409 && reply.location) return this.continueSession(reply.location)
    this.toggle.checked = false
    this.showError(problemText(reply.body, `${reply.status}`))
  }

  use (session) {
    this.session = session
    localStorage.setItem(this.storageKey, session.links.session)
    this.render()
  }

  async refresh () {
    if (!this.session) return
    const reply = await this.request(this.session.links.session)
    if (reply.status === 200) {
      this.session = reply.body
      this.render()
    }
  }

  render () {
    const session = this.session
    this.panel.hidden = false
    const files = Object.values(session.files || {})
    const completed = files.filter((file) => file.status === 'completed').length
    this.panel.querySelector('.tusupload-session-name').textContent = session.name
    this.panel.querySelector('.tusupload-session-status').textContent =
      this.messages[`status_${session.status}`] || session.status
    const expires = this.panel.querySelector('.tusupload-session-expires')
    expires.dateTime = session['expires-at']
    expires.textContent = new Date(session['expires-at']).toLocaleString(this.config.language)
    this.panel.querySelector('.tusupload-preview-link').value = session.links.stage
    const button = this.panel.querySelector('.tusupload-publish')
    button.textContent = format(this.messages.publishCount, { count: completed })
    button.disabled = !(
      LIVE.includes(session.status) && completed > 0 && completed === files.length
    )
    button.hidden = session.status === 'published' || session.status === 'canceled'
    const waiting = this.panel.querySelector('.tusupload-session-waiting')
    waiting.textContent = completed < files.length
      ? format(this.messages.waitingFiles, { count: files.length - completed })
      : ''
    const notices = [...(session.notices || [])]
    for (const [name, file] of Object.entries(session.files || {})) {
      for (const notice of file.notices || []) notices.push(notice || name)
    }
    if (notices.length) this.showError(notices.join(' '))
  }

  showError (text) {
    const box = this.panel.querySelector('.tusupload-session-error')
    box.textContent = text
    box.hidden = !text
    if (this.panel.hidden && text) this.panel.hidden = false
  }

  async copyLink () {
    const input = this.panel.querySelector('.tusupload-preview-link')
    input.select()
    try {
      await navigator.clipboard.writeText(input.value)
    } catch (error) {
      document.execCommand?.('copy')
    }
    this.announce(this.messages.linkCopied)
  }

  // -- files --------------------------------------------------------------

  /** Before tus sends a file: declare it in the session (or find it again). */
  async prepare (fileIDs) {
    if (!this.wanted) return
    // Files dropped while the batch is being opened wait for it; without a
    // batch nothing is sent (it would become items one by one).
    await this.opening
    if (!this.session) throw new Error(this.messages.sessionGone)
    for (const id of fileIDs) {
      const file = this.uppy.getFile(id)
      if (!file || file.progress?.uploadComplete) continue
      let declared = null
      if (file.meta.sessionFile) {
        const reply = await this.request(file.meta.sessionFile)
        if (reply.status === 200 && reply.body.status === 'pending') declared = reply.body
      }
      if (!declared) declared = await this.declare(file)
      this.uppy.setFileMeta(id, { sessionFile: declared.links['file-upload-session'] })
      this.uppy.setFileState(id, {
        tus: {
          ...(this.uppy.getFile(id).tus || {}),
          uploadUrl: declared.mechanism.file_url,
          // Never a new upload: if this one is gone, the file fails.
          endpoint: declared.links['file-upload-session'],
          parallelUploads: 1,
          // A file sent in parts before goes whole now (tus-js-client
          // refuses boundaries without parallel uploads).
          parallelUploadBoundaries: null,
          parallelUploadsDecided: true,
        },
      })
    }
  }

  async declare (file) {
    this.announce(format(this.messages.checkingFile, { file: file.name }))
    const sha256 = await sha256OfBlob(file.data)
    const reply = await this.request(this.session.links.upload, {
      method: 'POST',
      body: {
        filename: file.name,
        size: file.size,
        hashes: { sha256 },
        mechanism: MECHANISM,
        'content-type': file.type || 'application/octet-stream',
        ...(file.meta.title ? { title: file.meta.title } : {}),
      },
    })
    if (reply.status !== 201) {
      const text = format(this.messages.fileRefused, {
        file: file.name,
        reason: problemText(reply.body, `${reply.status}`),
      })
      this.uppy.setFileState(file.id, { error: text })
      this.showError(text)
      throw new Error(text)
    }
    return reply.body
  }

  /** Complete the files whose bytes arrived before a reload cut the page off. */
  async completeStaged () {
    const waiting = Object.values(this.session.files || {}).filter(
      (file) => file.staged && file.status === 'pending',
    )
    for (const file of waiting) {
      await this.request(`${file.link}/complete`, { method: 'POST' })
    }
    if (waiting.length) await this.refresh()
  }

  /** Once a file's bytes are all there: complete it (size and hash checked). */
  async complete (file) {
    let reply = await this.request(`${file.meta.sessionFile}/complete`, { method: 'POST' })
    // A large file is checked in the background: ask until it is done.
    while (reply.status === 202 || reply.body?.status === 'processing') {
      await new Promise((resolve) => setTimeout(resolve, POLL_DELAY))
      reply = await this.request(file.meta.sessionFile)
      if (reply.status === 200 && reply.body.status === 'completed') reply.status = 201
      if (reply.status === 200 && reply.body.status === 'error') {
        reply = { status: 422, body: { detail: (reply.body.notices || []).join(' ') } }
      }
    }
    if (reply.status !== 201) {
      const text = format(this.messages.fileRefused, {
        file: file.name,
        reason: problemText(reply.body, `${reply.status}`),
      })
      this.uppy.setFileState(file.id, { error: text })
      this.announce(text)
    }
    await this.refresh()
  }

  // -- publishing ---------------------------------------------------------

  async publish () {
    const button = this.panel.querySelector('.tusupload-publish')
    button.disabled = true
    this.showError('')
    let reply = await this.request(this.session.links.publish, { method: 'POST' })
    if (reply.status === 202) {
      this.announce(this.messages.publishing)
      while (reply.status < 400 && reply.body.status === 'processing') {
        await new Promise((resolve) => setTimeout(resolve, POLL_DELAY))
        reply = await this.request(this.session.links.session)
      }
    }
    if (reply.status >= 400 || reply.body.status !== 'published') {
      this.showError(problemText(reply.body, (reply.body?.notices || []).join(' ')))
      await this.refresh()
      return
    }
    this.session = reply.body
    localStorage.removeItem(this.storageKey)
    this.render()
    const files = Object.entries(reply.body.files)
    const text = format(this.messages.publishedCount, { count: files.length })
    this.panel.querySelector('.tusupload-session-done').textContent = text
    this.announce(text)
    const list = this.element.querySelector('.tusupload-finished')
    for (const [name, file] of files) {
      const link = document.createElement('a')
      link.href = file.content['@id']
      link.textContent = format(this.messages.openItem, { title: name })
      const entry = document.createElement('li')
      entry.append(link)
      list.append(entry)
    }
    this.element.querySelector('.tusupload-results').hidden = false
  }
}
