// What the page tells its script, from the data attributes of the
// `.tusupload-page` element (see browser/upload.py), and what the server
// says about itself in its OPTIONS reply.

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
    sessionsEndpoint: data.sessionsEndpoint || '',
    chunkSize: parseInt(data.chunkSize, 10) || 8 * 1024 * 1024,
    maxSize: parseInt(data.maxSize, 10) || null,
    allowedTypes: parseJSON(data.allowedTypes, []),
    csrfToken: data.csrfToken || '',
    language: (data.language || 'en').toLowerCase(),
    messages: parseJSON(data.messages, {}),
    // Tests and benchmarks may ask for another number of parallel requests.
    parallelUploads: parseInt(data.parallelUploads, 10) || null,
  }
}

/**
 * Ask the endpoint what it can do (tus OPTIONS): the largest upload it
 * takes now and whether it concatenates partial uploads, which the page
 * needs to send one file over several connections.
 *
 * @returns {Promise<{maxSize: number|null, concatenation: boolean}|null>}
 *   null when the server could not be asked.
 */
export async function fetchCapabilities (endpoint) {
  try {
    // A browser's OPTIONS carries an Origin header, and plone.rest takes
    // every OPTIONS with one for a CORS preflight that never reaches the
    // tus endpoint. A POST that says it means OPTIONS does (tus allows the
    // override) and creates nothing.
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'X-HTTP-Method-Override': 'OPTIONS' },
      credentials: 'same-origin',
    })
    if (!response.ok) return null
    const extensions = (response.headers.get('Tus-Extension') || '')
      .split(',')
      .map((name) => name.trim())
    const maxSize = parseInt(response.headers.get('Tus-Max-Size'), 10)
    return {
      maxSize: Number.isFinite(maxSize) && maxSize > 0 ? maxSize : null,
      concatenation: extensions.includes('concatenation'),
    }
  } catch (error) {
    return null
  }
}
