// Where tus-js-client remembers unfinished uploads (its `urlStorage`), with
// the part boundaries each was made with. tus-js-client resumes a stored
// upload by sending each stored part the bytes between the boundaries of its
// *current* options (an equal split into the stored number of parts without
// any), and never checks them against the parts' lengths: parts resumed with
// other boundaries than they were made with join into a corrupt file. So a
// stored upload records its boundaries, and FileUpload (upload.js) resumes
// it with them (resumeOptions); one stored by the previous release has none:
// its parts were tus-js-client's equal split.

import { defaultOptions } from 'tus-js-client';

/** The start and end of each part, or null for none. */
export function plainBoundaries(boundaries) {
  return boundaries?.length ? boundaries.map(({ start, end }) => ({ start, end })) : null;
}

/**
 * A urlStorage for tus-js-client that records with an upload in parts the
 * boundaries `boundariesOf(fingerprint)` gives (null for none).
 */
export function boundariesStorage(boundariesOf, storage = defaultOptions.urlStorage) {
  return {
    findAllUploads: () => storage.findAllUploads(),
    findUploadsByFingerprint: (fingerprint) => storage.findUploadsByFingerprint(fingerprint),
    removeUpload: (urlStorageKey) => storage.removeUpload(urlStorageKey),
    addUpload: (fingerprint, upload) => {
      const boundaries = upload.parallelUploadUrls
        ? plainBoundaries(boundariesOf(fingerprint))
        : null;
      return storage.addUpload(
        fingerprint,
        boundaries ? { ...upload, parallelUploadBoundaries: boundaries } : upload,
      );
    },
  };
}

/**
 * The part options that continue the stored upload `entry` of a file of
 * `size` bytes in the parts it was made of, or null when it cannot be.
 */
export function resumeOptions(entry, size) {
  const parts = entry?.parallelUploadUrls?.length ?? 0;
  if (!entry?.parallelUploadUrls) {
    // One upload: continued as one.
    return entry?.uploadUrl ? { parallelUploads: 1, parallelUploadBoundaries: null } : null;
  }
  const boundaries = plainBoundaries(entry.parallelUploadBoundaries);
  if (!boundaries) {
    // Made without boundaries: tus-js-client's equal split, which it makes
    // again for the stored number of parts.
    return parts > 1 ? { parallelUploads: parts, parallelUploadBoundaries: null } : null;
  }
  const fits =
    boundaries.length === parts &&
    boundaries[0].start === 0 &&
    boundaries[parts - 1].end === size &&
    boundaries.every(
      ({ start, end }, index) =>
        end > start && (index === 0 || start === boundaries[index - 1].end),
    );
  return fits ? { parallelUploads: parts, parallelUploadBoundaries: boundaries } : null;
}
