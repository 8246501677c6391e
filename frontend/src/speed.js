// How each file is sent. Measured (benchmarks/browser.py): Chromium sends
// one request body at about 100 MB/s on a machine where a command-line
// client reaches three times as much, and its time goes into moving the
// bytes, not into waiting between requests. Several requests at once
// (tus concatenation: the file in parts, each its own partial upload, then
// one final upload that joins them) are what brings it closer.

// Chromium opens at most 6 connections to one host; Uppy sends FILES_AT_ONCE
// files at a time, and each gets its share.
export const FILES_AT_ONCE = 2
const CONNECTIONS = 6
const MOST_PARTS = 4

/**
 * tus-js-client options for one file.
 *
 * @param {number} filesInUpload how many files this upload sends.
 * @param {{chunkSize: number, concatenation: boolean, parallelUploads: number|null}} settings
 */
export function tusOptionsFor (file, filesInUpload, settings) {
  const pieces = Math.floor((file.size || 0) / settings.chunkSize)
  const share = Math.floor(CONNECTIONS / Math.max(1, Math.min(FILES_AT_ONCE, filesInUpload)))
  const wanted = settings.parallelUploads ?? Math.min(MOST_PARTS, share)
  const parts = settings.concatenation ? Math.max(1, Math.min(wanted, pieces)) : 1
  if (parts < 2) return { parallelUploads: 1 }
  return {
    parallelUploads: parts,
    // Named, so that the pending uploads' list says what they are.
    metadataForPartialUploads: {
      filename: file.name,
      'content-type': file.type || 'application/octet-stream',
    },
  }
}
