// The page's words for what happens to a file, from the strings the server
// translated (data-messages; placeholders are written {name}).

const KIB = 1024
const MIB = KIB * 1024
const GIB = MIB * 1024

/** Fill {name} placeholders of a translated string. */
export function format (template, values = {}) {
  return String(template || '').replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  )
}

/** A size in the units the settings use: "10 GiB", "1 MiB", "1.5 MiB". */
export function formatSize (bytes) {
  for (const [unit, factor] of [['GiB', GIB], ['MiB', MIB], ['KiB', KIB]]) {
    if (bytes >= factor) {
      const value = bytes / factor
      const digits = Number.isInteger(value) || value >= 100 ? 0 : 1
      return `${value.toFixed(digits)} ${unit}`
    }
  }
  return `${bytes} B`
}

/** The short message a server sent: plain text or {"error": {"message"}}. */
export function serverMessage (responseText) {
  const text = (responseText || '').trim()
  if (!text) return ''
  try {
    const parsed = JSON.parse(text)
    const message = parsed?.error?.message ?? parsed?.message
    if (typeof message === 'string') return message
  } catch (error) {
    // Not JSON: the core's replies are short plain text.
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

/** What the editor is told when the page itself won't send a file. */
export function refusalBeforeSending (file, reason, { messages, maxSize, allowedTypes }) {
  const values = {
    file: file.name,
    limit: maxSize ? formatSize(maxSize) : '',
    type: file.type || messages.unknownType || '?',
    types: (allowedTypes || []).join(', '),
  }
  if (reason === 'size') return format(messages.tooLarge, values)
  return format(messages.typeNotAllowed, values)
}

/**
 * Words for an upload the server refused or that broke, and whether a
 * retry can succeed.
 *
 * @param {number} status HTTP status; 0 when no answer arrived.
 * @returns {{message: string, retry: boolean}}
 */
export function describeFailure (status, responseText, file, { messages, maxSize }) {
  const values = {
    file: file.name,
    type: file.type || messages.unknownType || '?',
    limit: maxSize ? formatSize(maxSize) : '',
    reason: serverMessage(responseText),
  }
  const say = (key, retry) => ({ message: format(messages[key], values), retry })
  switch (status) {
    case 413:
      // Either the file is over the size limit (for good), or the editor's
      // unfinished uploads are over the per-user limit (until they finish).
      if (maxSize && file.size > maxSize) return say('tooLarge', false)
      return say('pendingLimit', true)
    case 415:
      return say('typeNotAllowed', false)
    case 403:
      return say('notAllowed', false)
    case 400:
      return say('failedForGood', false)
    case 401:
      return say('loggedOut', true)
    case 404:
    case 410:
      return say('expired', true)
    case 503:
      return say('unavailable', true)
    case 507:
      return say('diskFull', true)
    case 0:
      return say('connectionLost', true)
    default:
      return say('failed', true)
  }
}
