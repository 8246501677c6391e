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

// Where each part of a file goes. The server writes every partial upload
// at its offset in one shared file, so the final upload joins them without
// copying a byte. tus-js-client sends the same metadata with every part,
// so the parts have distinct sizes: the server tells which part a partial
// upload is from its Upload-Length alone. Parts start at multiples of
// BLOCK, a disk block.
const BLOCK = 4096

/**
 * The parts of a file of `size` bytes sent as `parts` partial uploads:
 * part i (but the last) is BLOCK * (i + 1) bytes shorter than an equal
 * share rounded down to BLOCK; the last takes the rest. Null when the file
 * is too small for that (tus-js-client's equal split then).
 *
 * @returns {{boundaries: {start: number, end: number}[], sizes: number[]}|null}
 */
export function partLayout (size, parts) {
  if (parts < 2) return null
  const base = Math.floor(size / parts / BLOCK) * BLOCK
  if (base <= parts * BLOCK) return null
  const sizes = []
  for (let i = 0; i < parts - 1; i++) sizes.push(base - (i + 1) * BLOCK)
  sizes.push(size - sizes.reduce((sum, part) => sum + part, 0))
  const boundaries = []
  let start = 0
  for (const part of sizes) {
    boundaries.push({ start, end: start + part })
    start += part
  }
  return { boundaries, sizes }
}

/** A fresh token for one file's parts: 32 lowercase hex digits. */
export function layoutToken () {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

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
  const options = {
    parallelUploads: parts,
    // Named, so that the pending uploads' list says what they are.
    metadataForPartialUploads: {
      filename: file.name,
      'content-type': file.type || 'application/octet-stream',
    },
  }
  const layout = partLayout(file.size, parts)
  if (!layout) return options
  options.parallelUploadBoundaries = layout.boundaries
  options.metadataForPartialUploads['concat-layout'] = [layoutToken(), ...layout.sizes].join(' ')
  return options
}
