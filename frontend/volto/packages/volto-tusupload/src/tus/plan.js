// How each file is sent (the Classic page's rule, frontend/src/speed.js):
// Chromium moves one request body at about 100 MB/s on a machine where a
// command-line client reaches three times as much, so a file of at least
// two chunks goes as up to four partial uploads in parallel (tus
// concatenation), joined by one final upload. Chromium opens at most six
// connections to one host; FILES_AT_ONCE files go at a time, and each gets
// its share.

export const FILES_AT_ONCE = 2;
const CONNECTIONS = 6;
const MOST_PARTS = 4;

/**
 * tus-js-client options for one file.
 *
 * @param {{name: string, size: number, type: string}} file
 * @param {number} filesInUpload how many files go at once.
 * @param {{chunkSize: number, concatenation: boolean, parallelUploads?: number|null}} settings
 */
export function tusOptionsFor(file, filesInUpload, settings) {
  const pieces = Math.floor((file.size || 0) / settings.chunkSize);
  const share = Math.floor(
    CONNECTIONS / Math.max(1, Math.min(FILES_AT_ONCE, filesInUpload)),
  );
  const wanted = settings.parallelUploads ?? Math.min(MOST_PARTS, share);
  const parts = settings.concatenation
    ? Math.max(1, Math.min(wanted, pieces))
    : 1;
  const options = { chunkSize: settings.chunkSize, parallelUploads: 1 };
  if (parts < 2) return options;
  return {
    ...options,
    parallelUploads: parts,
    // Named, so that the site's list of pending uploads says what they are.
    metadataForPartialUploads: {
      filename: file.name,
      'content-type': file.type || 'application/octet-stream',
    },
  };
}

/** The metadata of a file's upload: only keys that have a value are sent. */
export function uploadMetadata(file, extra = {}) {
  const metadata = {
    filename: file.name,
    'content-type': file.type || 'application/octet-stream',
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(metadata).filter(
      ([, value]) => value !== undefined && value !== null && value !== '',
    ),
  );
}
