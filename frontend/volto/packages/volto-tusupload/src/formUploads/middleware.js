// A Redux middleware: when an add or edit form is saved with a file chosen
// in this add-on's File or Image widget, the file goes with tus, not in the
// JSON request:
//
// - new content: the file creates the item through the container's
//   @tus-upload (metadata `@type`, `fieldname`, `title`, `description`), then
//   the form's other fields are saved on it with a PATCH;
// - existing content: the file replaces the field's file through the item's
//   @tus-replace, then the other fields are saved with a PATCH.
//
// The form sees the usual CREATE_CONTENT / UPDATE_CONTENT actions (pending,
// then success or failure), so Volto's Add and Edit views behave as always.
// Where the backend has no tus endpoint, a file up to `fallbackMaxSize` goes
// in the JSON as Volto sends it; a larger one fails in words.
import {
  CREATE_CONTENT,
  UPDATE_CONTENT,
} from '@plone/volto/constants/ActionTypes';
import { formatUrl } from '@plone/volto/helpers/Api/Api';
import config from '@plone/volto/registry';

import { failureMessages } from '../messages';
import { tusOptionsFor, uploadMetadata } from '../tus/plan';
import { fetchCapabilities, fetchSettings } from '../tus/server';
import { formatSize } from '../tus/sizes';
import { FileUpload } from '../tus/upload';
import { apiHttpStack, apiUrlOf } from '../tus/volto';
import { entryFor, forget, isKeptFile, notify, setUpload } from './files';

const MIB = 1024 * 1024;

function authHeaders(state) {
  const token = state.userSession?.token;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The form's fields without the files kept for tus, and those files. */
export function splitFiles(data) {
  const files = [];
  const rest = {};
  for (const [name, value] of Object.entries(data || {})) {
    if (isKeptFile(value)) files.push([name, value]);
    else rest[name] = value;
  }
  return { files, rest };
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1]);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** A failure's words in English, for the form's own error toast. */
function inEnglish(described) {
  const message = failureMessages[described?.key]?.defaultMessage || '';
  return message.replace(/\{(\w+)\}/g, (whole, name) =>
    name in (described?.values || {}) ? String(described.values[name]) : whole,
  );
}

function failure(status, message) {
  const error = new Error(message);
  error.status = status;
  error.response = { body: { message }, text: message };
  return error;
}

/** Send one kept file with tus; resolves with the item's JSON (or null). */
function sendFile(value, { endpoint, headers, metadata, settings, capabilities }) {
  const entry = entryFor(value);
  const file = entry.file;
  return new Promise((resolve, reject) => {
    const upload = new FileUpload(file, {
      id: value['@tusupload'],
      endpoint,
      httpStack: apiHttpStack(),
      headers,
      metadata: uploadMetadata(file, metadata),
      maxSize: capabilities.maxSize || settings.maxSize,
      creationWithUpload: capabilities.creationWithUpload,
      ...tusOptionsFor(file, 1, {
        chunkSize: settings.chunkSize,
        concatenation: capabilities.concatenation,
        parallelUploads: config.settings.tusupload?.parallelUploads ?? null,
      }),
      onChange: notify,
      onDone: (done) => {
        if (done.state === 'done') resolve(done.item);
        else reject(failure(done.failure?.status || 0, inEnglish(done.failure)));
      },
    });
    setUpload(value, upload);
    upload.start();
  });
}

async function jsonRequest(method, url, headers, body) {
  const response = await fetch(url, {
    method,
    headers: {
      ...headers,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Prefer: 'return=representation',
    },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = JSON.parse(text)?.message || JSON.parse(text)?.error?.message || text;
    } catch (error) {
      // plain text
    }
    throw failure(response.status, message);
  }
  return text ? JSON.parse(text) : null;
}

async function itemJSON(url, headers) {
  const response = await fetch(url, {
    headers: { ...headers, Accept: 'application/json' },
    credentials: 'same-origin',
  });
  return response.json();
}

/** The form's fields that a PATCH may set (not `@type`, `id`, files). */
function patchable(rest) {
  return Object.fromEntries(
    Object.entries(rest).filter(([name]) => !name.startsWith('@') && name !== 'id'),
  );
}

async function saveWithTus(state, action) {
  const { path, data } = action.request;
  const headers = authHeaders(state);
  const creating = action.type === CREATE_CONTENT;
  const { files, rest } = splitFiles(data);
  const endpointName = creating ? '@tus-upload' : '@tus-replace';
  const endpoint = formatUrl(`${path}/${endpointName}`);
  const capabilities = await fetchCapabilities(endpoint, headers);
  if (!capabilities) return null; // no tus here: see fallback()
  const settings = await fetchSettings(
    formatUrl(`${path}/@tusupload-settings`),
    headers,
    config.settings.tusupload,
  );
  const [first, ...others] = files;
  const metadata = creating
    ? {
        '@type': data['@type'],
        fieldname: first[0],
        title: data.title,
        description: data.description,
      }
    : { fieldname: first[0] };
  let item = await sendFile(first[1], {
    endpoint,
    headers,
    metadata,
    settings,
    capabilities,
  });
  const itemUrl = creating ? apiUrlOf(item?.['@id']) : formatUrl(path);
  if (!itemUrl) throw failure(500, 'The new item could not be found.');
  for (const [fieldname, value] of others) {
    await sendFile(value, {
      endpoint: `${itemUrl}/@tus-replace`,
      headers,
      metadata: { fieldname },
      settings,
      capabilities,
    });
  }
  const fields = patchable(rest);
  if (Object.keys(fields).length) {
    item = (await jsonRequest('PATCH', itemUrl, headers, fields)) || item;
  }
  if (!item || others.length || !creating) item = await itemJSON(itemUrl, headers);
  for (const [, value] of files) forget(value);
  return item;
}

/** Without a tus endpoint: small files in the JSON, as Volto sends them. */
async function fallback(action) {
  const limit = config.settings.tusupload?.fallbackMaxSize ?? 64 * MIB;
  const data = { ...action.request.data };
  for (const [name, value] of splitFiles(data).files) {
    const file = entryFor(value).file;
    if (file.size > limit) {
      throw failure(
        413,
        `${file.name} is larger than ${formatSize(limit)}, the largest file this site takes without resumable uploads.`,
      );
    }
    data[name] = {
      data: await readAsBase64(file),
      encoding: 'base64',
      'content-type': file.type || 'application/octet-stream',
      filename: file.name,
    };
  }
  return { ...action, request: { ...action.request, data } };
}

export const formUploadsMiddleware = (store) => (next) => (action) => {
  const request = action?.request;
  if (
    ![CREATE_CONTENT, UPDATE_CONTENT].includes(action?.type) ||
    !request ||
    Array.isArray(request) ||
    !splitFiles(request.data).files.length
  ) {
    return next(action);
  }
  const { type, subrequest } = action;
  next({ type: `${type}_PENDING`, subrequest });
  return saveWithTus(store.getState(), action)
    .then(async (result) => {
      if (result) {
        return next({ type: `${type}_SUCCESS`, subrequest, result });
      }
      // Not pending twice: Volto's own request makes its own.
      return store.dispatch(await fallback(action));
    })
    .catch((error) => next({ type: `${type}_FAIL`, subrequest, error }));
};
