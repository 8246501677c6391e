// The upload page of collective.tusupload: an Uppy Dashboard sending files
// with tus to <folder>/@tus-upload. Everything it needs comes from data
// attributes of the page's `.tusupload-page` element.
import Uppy from '@uppy/core'
import Dashboard from '@uppy/dashboard'
import Tus from '@uppy/tus'

const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000]
// Metadata keys the @tus-upload endpoint reads.
const SENT_META_KEYS = ['filename', 'content-type', 'title', 'description']

/** Read the page's configuration from the element's data attributes. */
export function readConfig (element) {
  const data = element.dataset
  const parseJSON = (text, fallback) => {
    try {
      return text ? JSON.parse(text) : fallback
    } catch (error) {
      return fallback
    }
  }
  return {
    endpoint: data.endpoint,
    chunkSize: parseInt(data.chunkSize, 10) || 8 * 1024 * 1024,
    maxSize: parseInt(data.maxSize, 10) || null,
    allowedTypes: parseJSON(data.allowedTypes, []),
    csrfToken: data.csrfToken || '',
    messages: parseJSON(data.messages, {}),
  }
}

/** The short message a server sent: plain text or {"error": {"message"}}. */
export function serverMessage (responseText) {
  const text = (responseText || '').trim()
  if (!text) return ''
  try {
    const parsed = JSON.parse(text)
    const message = parsed?.error?.message ?? parsed?.message
    if (typeof message === 'string') return message
  } catch (error) {
    // Not JSON: the core's replies are short plain text.
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

/** Words for an upload that failed with an HTTP status (0: no answer). */
export function errorMessage (status, responseText, messages) {
  if (status === 413) return messages.tooLarge
  if (status === 415) return messages.typeNotAllowed
  if (status === 401 || status === 403) return messages.notAllowed
  if (status === 404 || status === 410) return messages.expired
  if (!status) return messages.connectionLost
  return serverMessage(responseText) || messages.failed
}

/** The tus-js-client response an error carries, if the server answered. */
function responseOf (error) {
  return error?.originalResponse ?? error?.cause?.originalResponse ?? null
}

function showFinished (list, messages, file, item) {
  const entry = document.createElement('li')
  entry.dataset.fileId = file.id
  const link = document.createElement('a')
  link.href = item['@id']
  link.className = 'tusupload-open'
  const title = item.title || file.meta.title || file.name
  link.textContent = (messages.openItem || '{title}').replace('{title}', title)
  entry.appendChild(link)
  list.appendChild(entry)
}

/** The metadata keys of a file that have a value: the only ones sent. */
function metaKeysToSend (meta) {
  return SENT_META_KEYS.filter((key) => meta[key] != null && meta[key] !== '')
}

export function start (element) {
  const config = readConfig(element)
  const messages = config.messages
  const finishedList = element.querySelector('.tusupload-finished')

  const uppy = new Uppy({
    id: 'tusupload',
    autoProceed: false,
    restrictions: {
      maxFileSize: config.maxSize,
      allowedFileTypes: config.allowedTypes.length ? config.allowedTypes : null,
    },
    locale: { strings: messages.uppy || {} },
  })

  uppy.use(Dashboard, {
    inline: true,
    target: element.querySelector('.tusupload-dashboard'),
    width: '100%',
    height: 450,
    showProgressDetails: true,
    proudlyDisplayPoweredByUppy: false,
    note: messages.note || null,
    metaFields: [
      { id: 'title', name: messages.title || 'Title' },
      { id: 'description', name: messages.description || 'Description' },
    ],
  })

  uppy.use(Tus, {
    endpoint: config.endpoint,
    chunkSize: config.chunkSize,
    retryDelays: RETRY_DELAYS,
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    // The final reply carries the new item's JSON only when asked (RFC 7240).
    headers: { 'X-CSRF-TOKEN': config.csrfToken, Prefer: 'return=representation' },
    withCredentials: true,
    limit: 3,
    allowedMetaFields: ['filename', 'content-type'],
    // A 4xx answer will not change on a retry, except a stale offset (409)
    // or a lock still held by the previous request (423).
    onShouldRetry (error, retryAttempt, options, next) {
      const status = responseOf(error)?.getStatus()
      if (status >= 400 && status < 500 && status !== 409 && status !== 423) {
        return false
      }
      return next(error)
    },
    // Called once tus-js-client gave up: put the reason in words on the
    // error, which Uppy then shows on the file it belongs to.
    onError (error) {
      const response = responseOf(error)
      error.message = errorMessage(
        response ? response.getStatus() : 0,
        response ? response.getBody() : '',
        messages,
      )
      error.details = undefined
    },
  })

  uppy.on('file-added', (file) => {
    uppy.setFileMeta(file.id, {
      filename: file.name,
      'content-type': file.type || 'application/octet-stream',
    })
  })

  // Send only the metadata keys that have a value (Uppy would send the
  // others as the text "undefined").
  uppy.setOptions({
    onBeforeUpload: (files) => {
      const updated = {}
      for (const [id, file] of Object.entries(files)) {
        const allowedMetaFields = metaKeysToSend(file.meta)
        updated[id] = { ...file, tus: { ...file.tus, allowedMetaFields } }
      }
      return updated
    },
  })

  uppy.on('upload-success', (file, response) => {
    let item = null
    try {
      item = JSON.parse(response?.body?.xhr?.responseText || 'null')
    } catch (error) {
      item = null
    }
    if (item && item['@id']) {
      uppy.setFileState(file.id, { tusupload: item })
      showFinished(finishedList, messages, file, item)
    }
  })

  element.uppy = uppy
  return uppy
}

function startAll () {
  for (const element of document.querySelectorAll('.tusupload-page')) {
    if (!element.uppy) start(element)
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', startAll)
} else {
  startAll()
}
