// @plone-collective/volto-tusupload: resumable uploads for Volto, with tus,
// to collective.tusupload's endpoints (plone.restapi's @tus-upload where
// the add-on is missing on the backend).
//
// - The Contents view's upload dialog and drop zone are replaced by
//   customization (src/customizations/volto/...).
// - File and Image fields get this add-on's widget; a store middleware sends
//   their files with tus when an add or edit form is saved.
import FileWidget from './components/FileWidget/FileWidget';
import { formUploadsMiddleware } from './formUploads/middleware';
import './theme/tusupload.css';

const MIB = 1024 * 1024;

export default function applyConfig(config) {
  config.settings.tusupload = {
    // Used only where the backend does not say (no @tusupload-settings).
    chunkSize: 8 * MIB,
    // How many parts a large file is sent in; null: up to four.
    parallelUploads: null,
    // Where the backend has no tus endpoint, a form sends files up to this
    // size in its JSON request, as Volto does; larger ones are refused.
    fallbackMaxSize: 64 * MIB,
    ...config.settings.tusupload,
  };
  config.widgets.factory = {
    ...config.widgets.factory,
    File: FileWidget,
    Image: FileWidget,
    'File Upload': FileWidget,
    'Image Upload': FileWidget,
  };
  config.settings.storeExtenders = [
    ...(config.settings.storeExtenders || []),
    // Before Volto's API middleware, which would send the JSON.
    (stack) => [formUploadsMiddleware, ...stack],
  ];
  return config;
}
