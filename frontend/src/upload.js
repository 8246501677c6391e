// The upload page of collective.tusupload: an Uppy Dashboard sending files
// with tus to <folder>/@tus-upload. Everything it needs comes from data
// attributes of the page's `.tusupload-page` element (config.js).
import Uppy from '@uppy/core'
import Dashboard from '@uppy/dashboard'
import GoldenRetriever from '@uppy/golden-retriever'
import Tus from '@uppy/tus'

import { fetchCapabilities, readConfig } from './config.js'
import { Connection, whenOnline } from './connection.js'
import { Estimate } from './estimate.js'
import { Feedback } from './feedback.js'
import { warnBeforeLeaving } from './leaving.js'
import { uppyLocale } from './locales.js'
import { describeFailure, refusalBeforeSending } from './messages.js'
import { Refusals } from './refusals.js'
import { keepListRoles } from './roles.js'
import { FILES_AT_ONCE, tusOptionsFor } from './speed.js'
import { boundariesStorage, uppyBoundaries } from './storage.js'
import { Together } from './together.js'

const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000]
// Metadata keys the @tus-upload endpoint reads.
const SENT_META_KEYS = ['filename', 'content-type', 'title', 'description']
const MIB = 1024 * 1024
// Files restored after a reload from the browser's own storage; larger ones
// come back as tiles to select again (the upload then goes on where it was).
const KEPT_FILE_SIZE = 64 * MIB
const KEPT_TOTAL_SIZE = 256 * MIB

/** The tus-js-client response an error carries, if the server answered. */
function responseOf (error) {
  return error?.originalResponse ?? error?.cause?.originalResponse ?? null
}

/** The metadata keys of a file that have a value: the only ones sent. */
function metaKeysToSend (meta) {
  return SENT_META_KEYS.filter((key) => meta[key] != null && meta[key] !== '')
}

export function start (element) {
  const config = readConfig(element)
  const messages = config.messages
  // What the server says about itself; asked again before every upload,
  // as the limits may change while the page is open.
  const server = { maxSize: config.maxSize, concatenation: false }
  const refreshCapabilities = async () => {
    const capabilities = await fetchCapabilities(config.endpoint)
    if (capabilities) Object.assign(server, capabilities)
  }
  const ready = refreshCapabilities()

  const uppy = new Uppy({
    id: 'tusupload',
    autoProceed: false,
    infoTimeout: 10000,
    restrictions: {
      maxFileSize: config.maxSize,
      allowedFileTypes: config.allowedTypes.length ? config.allowedTypes : null,
    },
    locale: uppyLocale(config.language, messages.uppy || {}),
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

  uppy.use(GoldenRetriever, {
    expires: 24 * 60 * 60 * 1000,
    indexedDB: { maxFileSize: KEPT_FILE_SIZE, maxTotalSize: KEPT_TOTAL_SIZE },
  })

  const feedback = new Feedback(uppy, element, messages)
  const announce = (text) => feedback.announce(text)
  const refusals = new Refusals(uppy, element, { onRefusedBeforeSending: announce })
  new Connection(uppy, element, { announce, messages }) // eslint-disable-line no-new
  new Estimate(uppy).showIn(uppy.getPlugin('Dashboard'))
  warnBeforeLeaving(uppy)
  keepListRoles(element)
  const together = new Together(uppy, element, config, { announce })

  uppy.use(Tus, {
    endpoint: config.endpoint,
    chunkSize: config.chunkSize,
    retryDelays: RETRY_DELAYS,
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    // A file sent in parts continues only in parts of the same sizes
    // (storage.js); one storage for all files, as file.tus is kept as JSON.
    urlStorage: boundariesStorage(uppyBoundaries(uppy, config.endpoint)),
    // The first piece goes with the request that creates the upload.
    uploadDataDuringCreation: true,
    // The final reply carries the new item's JSON only when asked (RFC 7240).
    headers: { 'X-CSRF-TOKEN': config.csrfToken, Prefer: 'return=representation' },
    withCredentials: true,
    limit: FILES_AT_ONCE,
    allowedMetaFields: ['filename', 'content-type'],
    // Nothing is sent while the browser is offline; every request waits.
    onBeforeRequest: () => whenOnline(),
    // A 4xx answer will not change on a retry, except a stale offset (409)
    // or a lock still held by the previous request (423).
    onShouldRetry (error, retryAttempt, options, next) {
      const status = responseOf(error)?.getStatus()
      if (status >= 400 && status < 500 && status !== 409 && status !== 423) {
        return false
      }
      return next(error)
    },
    // tus-js-client gave up. Its message is for developers; the
    // 'upload-error' listener below tells the editor instead.
    onError (error) {
      error.message = ''
      error.details = undefined
    },
  })

  // Once tus-js-client gave up: the reason in words, with the file's name,
  // on the file's tile; refusals for good get no retry.
  uppy.on('upload-error', (file, error, response) => {
    if (!file) return
    const status = response?.status ?? responseOf(error)?.getStatus() ?? 0
    const body = response?.body?.xhr?.responseText ?? responseOf(error)?.getBody() ?? ''
    const failure = describeFailure(status, body, file, {
      messages,
      maxSize: server.maxSize,
    })
    uppy.setFileState(file.id, { error: failure.message })
    if (failure.retry) {
      uppy.setState({ error: failure.message })
    } else {
      refusals.refuse(file.id)
    }
    announce(failure.message)
  })

  // Files the page itself won't send: listed with their name and the reason.
  uppy.on('restriction-failed', (file, error) => {
    if (!file || uppy.getFile(file.id)) return
    const maxSize = server.maxSize || config.maxSize
    const reason = maxSize && file.size > maxSize ? 'size' : 'type'
    refusals.listRefusedBeforeSending(
      file.name,
      refusalBeforeSending(file, reason, {
        messages,
        maxSize,
        allowedTypes: config.allowedTypes,
      }),
    )
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

  // Before bytes go out: the server's current limits and abilities, then
  // how to send each file.
  uppy.addPreProcessor(async (fileIDs) => {
    await ready
    await refreshCapabilities()
    // "Publish together": each file goes to the upload its session made.
    await together.prepare(fileIDs)
    for (const id of fileIDs) {
      const file = uppy.getFile(id)
      if (!file || file.tus?.parallelUploadsDecided) continue
      const options = tusOptionsFor(file, fileIDs.length, {
        chunkSize: config.chunkSize,
        concatenation: server.concatenation,
        parallelUploads: config.parallelUploads,
      })
      uppy.setFileState(id, {
        tus: { ...file.tus, ...options, parallelUploadsDecided: true },
      })
    }
  })

  uppy.on('upload-success', (file, response) => {
    if (file.meta.sessionFile) {
      together.complete(file)
      return
    }
    let item = null
    try {
      item = JSON.parse(response?.body?.xhr?.responseText || 'null')
    } catch (error) {
      item = null
    }
    if (item && item['@id']) {
      uppy.setFileState(file.id, { tusupload: item })
      feedback.showFinished(file, item)
    }
  })

  // After a reload: the files Golden Retriever brought back continue on
  // their own, unless some must be selected again.
  uppy.on('restored', () => {
    const files = uppy.getFiles()
    const started = files.some((file) => file.progress.uploadStarted)
    if (started && !files.some((file) => file.isGhost)) {
      uppy.emit('restore-confirmed')
    }
  })

  element.uppy = uppy
  element.together = together
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
