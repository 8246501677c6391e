// Replaces Volto's upload dialog of the Contents view (which reads every
// file whole into memory and sends them in one JSON request) with this
// add-on's resumable one. Without the add-on, Volto's own is used again.
import UploadDialog from '@plone-collective/volto-tusupload/components/UploadDialog/UploadDialog';

export default function ContentsUploadModal({ open, onCancel, pathname }) {
  return <UploadDialog open={open} onCancel={onCancel} pathname={pathname} />;
}
