// The add-on's words. The failures say what the Classic upload page says
// (collective.tusupload's browser/upload.py), so both read alike.
import { defineMessages } from 'react-intl';

export const failureMessages = defineMessages({
  tooLarge: {
    id: '{file} is larger than {limit}, the largest file this site accepts.',
    defaultMessage:
      '{file} is larger than {limit}, the largest file this site accepts.',
  },
  typeNotAllowed: {
    id: "{file} is of type {type}, which can't be uploaded here.",
    defaultMessage: "{file} is of type {type}, which can't be uploaded here.",
  },
  notAllowed: {
    id: 'You may not upload {file} here.',
    defaultMessage: 'You may not upload {file} here.',
  },
  failedForGood: {
    id: 'The server refused {file}: {reason}',
    defaultMessage: 'The server refused {file}: {reason}',
  },
  loggedOut: {
    id: 'You are no longer logged in. Log in again in another tab, then retry {file}.',
    defaultMessage:
      'You are no longer logged in. Log in again in another tab, then retry {file}.',
  },
  pendingLimit: {
    id: "{file} can't start now: your unfinished uploads have reached this site's limit. Let them finish or remove some, then retry.",
    defaultMessage:
      "{file} can't start now: your unfinished uploads have reached this site's limit. Let them finish or remove some, then retry.",
  },
  expired: {
    id: 'The unfinished upload of {file} has expired on the server. Retry sends it again from the start.',
    defaultMessage:
      'The unfinished upload of {file} has expired on the server. Retry sends it again from the start.',
  },
  unavailable: {
    id: "The site can't take {file} at the moment. Retry later; if this persists, tell the site's administrators.",
    defaultMessage:
      "The site can't take {file} at the moment. Retry later; if this persists, tell the site's administrators.",
  },
  diskFull: {
    id: "The server has no room for {file} now. Retry later, or tell the site's administrators.",
    defaultMessage:
      "The server has no room for {file} now. Retry later, or tell the site's administrators.",
  },
  connectionLost: {
    id: 'The connection broke while sending {file}. Retry continues where it stopped.',
    defaultMessage:
      'The connection broke while sending {file}. Retry continues where it stopped.',
  },
  failed: {
    id: '{file} could not be uploaded: {reason}',
    defaultMessage: '{file} could not be uploaded: {reason}',
  },
  noEndpoint: {
    id: "{file} can't be uploaded: this site has no resumable upload endpoint.",
    defaultMessage:
      "{file} can't be uploaded: this site has no resumable upload endpoint.",
  },
});

export const messages = defineMessages({
  uploadFiles: { id: 'Upload files', defaultMessage: 'Upload files' },
  dropHere: {
    id: 'Drop files here or browse',
    defaultMessage: 'Drop files here or browse',
  },
  browse: { id: 'Browse', defaultMessage: 'Browse' },
  note: {
    id: 'An interrupted upload continues where it stopped, also after a reload; a large file may have to be added again.',
    defaultMessage:
      'An interrupted upload continues where it stopped, also after a reload; a large file may have to be added again.',
  },
  upload: {
    id: '{count, plural, one {Upload {count} file} other {Upload {count} files}}',
    defaultMessage:
      '{count, plural, one {Upload {count} file} other {Upload {count} files}}',
  },
  close: { id: 'Close', defaultMessage: 'Close' },
  pause: { id: 'Pause {file}', defaultMessage: 'Pause {file}' },
  resume: { id: 'Resume {file}', defaultMessage: 'Resume {file}' },
  cancel: { id: 'Cancel {file}', defaultMessage: 'Cancel {file}' },
  retry: { id: 'Retry {file}', defaultMessage: 'Retry {file}' },
  remove: { id: 'Remove {file}', defaultMessage: 'Remove {file}' },
  pauseAll: { id: 'Pause all', defaultMessage: 'Pause all' },
  resumeAll: { id: 'Resume all', defaultMessage: 'Resume all' },
  cancelAll: { id: 'Cancel all', defaultMessage: 'Cancel all' },
  retryAll: { id: 'Retry all', defaultMessage: 'Retry all' },
  clearFinished: { id: 'Clear finished', defaultMessage: 'Clear finished' },
  file: { id: 'File', defaultMessage: 'File' },
  size: { id: 'Size', defaultMessage: 'Size' },
  progress: { id: 'Progress', defaultMessage: 'Progress' },
  actions: { id: 'Actions', defaultMessage: 'Actions' },
  waiting: { id: 'Waiting', defaultMessage: 'Waiting' },
  paused: { id: 'Paused', defaultMessage: 'Paused' },
  cancelled: { id: 'Cancelled', defaultMessage: 'Cancelled' },
  uploaded: { id: 'Uploaded', defaultMessage: 'Uploaded' },
  openItem: { id: 'Open {title}', defaultMessage: 'Open {title}' },
  speedAndTime: {
    id: '{speed}, {time} left',
    defaultMessage: '{speed}, {time} left',
  },
  offline: {
    id: 'You are offline. The uploads wait, and continue on their own when the connection is back.',
    defaultMessage:
      'You are offline. The uploads wait, and continue on their own when the connection is back.',
  },
  backOnline: {
    id: 'Back online: the uploads continue.',
    defaultMessage: 'Back online: the uploads continue.',
  },
  allUploaded: {
    id: 'All files uploaded: {count}.',
    defaultMessage: 'All files uploaded: {count}.',
  },
  unfinished: {
    id: 'Unfinished uploads from before',
    defaultMessage: 'Unfinished uploads from before',
  },
  unfinishedHelp: {
    id: 'Select these files again to continue their uploads where they stopped.',
    defaultMessage:
      'Select these files again to continue their uploads where they stopped.',
  },
  selectAgain: {
    id: 'Select {file} again',
    defaultMessage: 'Select {file} again',
  },
  forget: { id: 'Forget {file}', defaultMessage: 'Forget {file}' },
  uploadProgress: {
    id: 'Upload of {file}',
    defaultMessage: 'Upload of {file}',
  },
});
