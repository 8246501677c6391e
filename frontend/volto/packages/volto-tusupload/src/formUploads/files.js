// Files chosen in a form's File or Image widget, until the form is saved.
//
// The form's value holds a token and the file's name, type and size; the
// File itself stays here (a form's data may be copied or stored, a File
// can't be). On save, the store middleware (middleware.js) sends the file
// with tus and reports its progress here, for the widget to show.

let lastToken = 0;
const entries = new Map();
const listeners = new Set();
let version = 0;

export const TOKEN_KEY = '@tusupload';

function changed() {
  version += 1;
  for (const listener of listeners) listener();
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getVersion() {
  return version;
}

/** Keep `file`; the value a widget gives its form for it. */
export function keepFile(file) {
  lastToken += 1;
  const token = `file-${lastToken}`;
  entries.set(token, { file, upload: null });
  return {
    [TOKEN_KEY]: token,
    filename: file.name,
    'content-type': file.type || 'application/octet-stream',
    size: file.size,
  };
}

/** Whether a form value stands for a file kept here. */
export function isKeptFile(value) {
  return !!(value && typeof value === 'object' && value[TOKEN_KEY]);
}

export function entryFor(value) {
  return isKeptFile(value) ? entries.get(value[TOKEN_KEY]) || null : null;
}

/** The upload sending the file of `value` (a FileUpload), or null. */
export function setUpload(value, upload) {
  const entry = entryFor(value);
  if (entry) {
    entry.upload = upload;
    changed();
  }
}

export const notify = changed;

export function forget(value) {
  if (isKeptFile(value)) entries.delete(value[TOKEN_KEY]);
}
