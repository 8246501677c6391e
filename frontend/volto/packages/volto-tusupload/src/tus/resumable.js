// Unfinished uploads the browser remembers: tus-js-client keeps each one's
// address in localStorage under its fingerprint (for a file sent in parts,
// the address of every part), and continues there when the same file is
// sent to the same endpoint again. After a reload this lists them, so that
// the editor can pick the files again, or forget them.

const PREFIX = 'tus::';

/**
 * The unfinished uploads to `endpoint` this browser knows of.
 *
 * @returns {Array<{key: string, name: string, size: number, type: string,
 *   urls: string[], created: string}>}
 */
export function unfinishedUploads(endpoint, storage = globalThis.localStorage) {
  if (!storage) return [];
  const found = [];
  for (let index = 0; index < storage.length; index += 1) {
    const key = storage.key(index);
    if (!key?.startsWith(PREFIX)) continue;
    // tus-br-<name>-<type>-<size>-<lastModified>-<endpoint>::<random>
    const fingerprint = key.slice(PREFIX.length).split('::')[0];
    if (!fingerprint.endsWith(`-${endpoint}`)) continue;
    let entry;
    try {
      entry = JSON.parse(storage.getItem(key));
    } catch (error) {
      continue;
    }
    const metadata = entry?.metadata || {};
    const urls = entry?.parallelUploadUrls || (entry?.uploadUrl ? [entry.uploadUrl] : []);
    if (!urls.length) continue;
    found.push({
      key,
      name: metadata.filename || '?',
      type: metadata['content-type'] || '',
      size: entry.size,
      urls,
      created: entry.creationTime,
    });
  }
  return found;
}

/** Whether `file` is the one an unfinished upload was sending. */
export function sameFile(file, unfinished) {
  return file.name === unfinished.name && file.size === unfinished.size;
}

/**
 * Forget an unfinished upload, and free what the server holds of it
 * (tus termination; the server's cleanup removes it anyway on expiry).
 */
export async function forgetUpload(unfinished, headers = {}, storage = globalThis.localStorage) {
  storage?.removeItem(unfinished.key);
  await Promise.all(
    unfinished.urls.map((url) =>
      fetch(url, {
        method: 'POST',
        headers: { ...headers, 'Tus-Resumable': '1.0.0', 'X-HTTP-Method-Override': 'DELETE' },
        credentials: 'same-origin',
      }).catch(() => null),
    ),
  );
}
