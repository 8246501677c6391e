// Where tus-js-client remembers unfinished uploads (its `urlStorage`), so
// that a file sent in parts is only ever continued in parts of the same
// size. tus-js-client resumes a stored upload by sending each stored part
// the bytes between the boundaries of its *current* options (an equal split
// without any), and never checks them against the parts' lengths: parts
// resumed with other boundaries than they were made with join into a
// corrupt file. The number of parts, and so the boundaries, depend on how
// many files go at once (speed.js), and the previous release split files
// equally. So every stored upload records its boundaries, and only an
// upload with the same boundaries as now is continued; another starts afresh.
import { defaultOptions } from 'tus-js-client'

/** The start and end of each part, or null for none. */
function plain (boundaries) {
  return boundaries?.length ? boundaries.map(({ start, end }) => ({ start, end })) : null
}

/** Whether two lists of boundaries are the same (no boundaries: equal). */
export function sameBoundaries (a, b) {
  const first = plain(a) ?? []
  const second = plain(b) ?? []
  return (
    first.length === second.length &&
    first.every((part, index) => part.start === second[index].start && part.end === second[index].end)
  )
}

/**
 * A urlStorage for tus-js-client: `boundariesOf(fingerprint)` gives the
 * boundaries the upload of that fingerprint is sent with now (null for
 * none). Stored uploads made with others are forgotten, not resumed.
 */
export function boundariesStorage (boundariesOf, storage = defaultOptions.urlStorage) {
  return {
    findAllUploads: () => storage.findAllUploads(),
    async findUploadsByFingerprint (fingerprint) {
      const now = boundariesOf(fingerprint)
      const fitting = []
      for (const upload of await storage.findUploadsByFingerprint(fingerprint)) {
        if (sameBoundaries(upload.parallelUploadBoundaries, now)) {
          fitting.push(upload)
        } else {
          // The server forgets its parts when they expire.
          await storage.removeUpload(upload.urlStorageKey)
        }
      }
      return fitting
    },
    removeUpload: (urlStorageKey) => storage.removeUpload(urlStorageKey),
    addUpload (fingerprint, upload) {
      const boundaries = upload.parallelUploadUrls ? plain(boundariesOf(fingerprint)) : null
      return storage.addUpload(
        fingerprint,
        boundaries ? { ...upload, parallelUploadBoundaries: boundaries } : upload,
      )
    },
  }
}

/**
 * The boundaries an Uppy file of `fingerprint` is sent with now: the Tus
 * plugin's fingerprint is 'tus-<file id>-<endpoint>' (@uppy/tus,
 * getFingerprint.js), and its tus-js-client options are the plugin's with
 * the file's `tus` on top.
 */
export function uppyBoundaries (uppy, endpoint) {
  return (fingerprint) => {
    for (const file of uppy.getFiles()) {
      const tus = { endpoint, ...file.tus }
      if (fingerprint !== ['tus', file.id, tus.endpoint].join('-')) continue
      return tus.parallelUploads > 1 ? plain(tus.parallelUploadBoundaries) : null
    }
    return null
  }
}
