// What the backend offers: the tus endpoint's abilities and limits (its
// OPTIONS reply) and the add-on's settings for browsers (@tusupload-settings).

import { MIB } from './sizes';

export const DEFAULT_CHUNK_SIZE = 8 * MIB;

/** Resolve once the browser is (back) online; requests wait meanwhile. */
export function whenOnline() {
  if (typeof navigator === 'undefined' || navigator.onLine !== false) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    window.addEventListener('online', () => resolve(), { once: true });
  });
}

/**
 * Ask a tus endpoint what it can do now.
 *
 * A browser's own OPTIONS request carries an Origin header, which plone.rest
 * takes for a CORS preflight that never reaches the endpoint; a POST that
 * says it means OPTIONS does (tus allows the override) and creates nothing.
 *
 * @returns {Promise<{maxSize: number|null, concatenation: boolean,
 *   creationWithUpload: boolean}|null>} null when no tus endpoint answered.
 */
export async function fetchCapabilities(endpoint, headers = {}) {
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        ...headers,
        'Tus-Resumable': '1.0.0',
        'X-HTTP-Method-Override': 'OPTIONS',
      },
      credentials: 'same-origin',
    });
  } catch (error) {
    return null;
  }
  if (!response.ok || !response.headers.get('Tus-Resumable')) return null;
  const extensions = (response.headers.get('Tus-Extension') || '')
    .split(',')
    .map((name) => name.trim());
  const maxSize = parseInt(response.headers.get('Tus-Max-Size'), 10);
  return {
    maxSize: Number.isFinite(maxSize) && maxSize > 0 ? maxSize : null,
    concatenation: extensions.includes('concatenation'),
    creationWithUpload: extensions.includes('creation-with-upload'),
  };
}

/**
 * The add-on's settings for browsers: chunk size, size limit, allowed
 * types. A backend without collective.tusupload (plain plone.restapi) has
 * no such endpoint: then `fallback` holds.
 */
export async function fetchSettings(url, headers = {}, fallback = {}) {
  const defaults = {
    chunkSize: fallback.chunkSize || DEFAULT_CHUNK_SIZE,
    maxSize: fallback.maxSize ?? null,
    allowedTypes: fallback.allowedTypes || [],
    known: false,
  };
  try {
    const response = await fetch(url, {
      headers: { ...headers, Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!response.ok) return defaults;
    const settings = await response.json();
    return {
      chunkSize: settings.chunk_size || defaults.chunkSize,
      maxSize: settings.max_size || null,
      allowedTypes: settings.allowed_mime_types || [],
      known: true,
    };
  } catch (error) {
    return defaults;
  }
}
