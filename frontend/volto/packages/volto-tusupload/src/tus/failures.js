// What the editor is told when a file could not be uploaded, and whether a
// retry can succeed: the same cases and wording as the Classic upload page
// (frontend/src/messages.js), as react-intl messages (messages.js).

import { formatSize } from './sizes';

/** The short message a server sent: plain text or {"error": {"message"}}. */
export function serverMessage(responseText) {
  const text = (responseText || '').trim();
  if (!text) return '';
  try {
    const parsed = JSON.parse(text);
    const message = parsed?.error?.message ?? parsed?.message;
    if (typeof message === 'string') return message;
  } catch (error) {
    // Not JSON: the tus core answers in short plain text.
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Why a file failed, as a message key with its values, and whether a retry
 * can succeed.
 *
 * @param {number} status HTTP status; 0 when no answer arrived.
 * @param {string} responseText the body of the answer.
 * @param {{name: string, size: number, type: string}} file
 * @param {number|null} maxSize the site's largest upload, in bytes.
 * @returns {{key: string, values: object, retry: boolean}}
 */
export function describeFailure(status, responseText, file, maxSize) {
  const values = {
    file: file.name,
    type: file.type || '?',
    limit: maxSize ? formatSize(maxSize) : '',
    reason: serverMessage(responseText),
  };
  const say = (key, retry) => ({ key, values, retry });
  switch (status) {
    case 413:
      // Either the file is over the size limit (for good), or the editor's
      // unfinished uploads are over the per-user limit (until they finish).
      if (maxSize && file.size > maxSize) return say('tooLarge', false);
      return say('pendingLimit', true);
    case 415:
      return say('typeNotAllowed', false);
    case 403:
      return say('notAllowed', false);
    case 400:
      return say('failedForGood', false);
    case 401:
      return say('loggedOut', true);
    case 404:
    case 410:
      return say('expired', true);
    case 503:
      return say('unavailable', true);
    case 507:
      return say('diskFull', true);
    case 0:
      return say('connectionLost', true);
    default:
      return say('failed', true);
  }
}

/**
 * Why the add-on won't send a file at all (checked before a byte goes out;
 * the server checks again): over the size limit, or of a type not allowed.
 *
 * @returns {{key: string, values: object, retry: false}|null}
 */
export function refusalBeforeSending(file, { maxSize, allowedTypes }) {
  const values = {
    file: file.name,
    type: file.type || '?',
    limit: maxSize ? formatSize(maxSize) : '',
  };
  if (maxSize && file.size > maxSize) {
    return { key: 'tooLarge', values, retry: false };
  }
  if (allowedTypes?.length && !typeAllowed(file.type, allowedTypes)) {
    return { key: 'typeNotAllowed', values, retry: false };
  }
  return null;
}

/** Whether `type` matches one of `patterns` ("image/*" matches "image/png"). */
export function typeAllowed(type, patterns) {
  const bare = String(type || '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!bare) return false;
  return patterns.some((pattern) => {
    const wanted = String(pattern).trim().toLowerCase();
    if (wanted.endsWith('/*')) return bare.startsWith(wanted.slice(0, -1));
    return wanted === bare;
  });
}

/**
 * Whether tus-js-client should try a request again. A 4xx answer will not
 * change on a retry, except a stale offset (409) or a lock still held by the
 * previous request (423).
 */
export function retryableStatus(status) {
  if (status >= 400 && status < 500) return status === 409 || status === 423;
  return true;
}
