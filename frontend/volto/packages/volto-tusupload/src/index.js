// @plone-collective/volto-tusupload: resumable uploads for Volto, with tus,
// to collective.tusupload's endpoints (plone.restapi's @tus-upload where
// the add-on is missing on the backend).
//
// The Contents view's upload dialog and drop zone are replaced by
// customization (src/customizations/volto/...); the File and Image widgets
// and the store middleware that sends their files are registered here.
import './theme/tusupload.css';

export default function applyConfig(config) {
  config.settings.tusupload = {
    // Used only where the backend does not say (no @tusupload-settings).
    chunkSize: 8 * 1024 * 1024,
    // How many parts a large file is sent in; null: up to four.
    parallelUploads: null,
    ...config.settings.tusupload,
  };
  return config;
}
