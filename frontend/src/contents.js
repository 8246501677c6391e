// The folder Contents view (Plone's pat-structure): its Upload button leads
// to this add-on's resumable upload page for the folder shown, instead of
// opening Plone's own, non-resumable upload popover (@@fileUpload).
// Loaded on folder_contents only, for those who may upload there (the
// collective.tusupload-contents bundle); without the add-on, the button is
// Plone's again.

const BUTTON = '#btn-upload'

/** The upload page of the folder the Contents view shows now. */
export function uploadPageUrl (location = window.location) {
  const here = `${location.origin}${location.pathname}`.replace(/\/+$/, '')
  return `${here.replace(/\/(@@)?folder_contents$/, '')}/@@upload-files`
}

function uploadButton (event) {
  return event.target instanceof Element ? event.target.closest(BUTTON) : null
}

// pat-structure navigates between folders without loading a page, so the
// target is worked out when the button is used.
for (const type of ['mouseover', 'focusin']) {
  document.addEventListener(type, (event) => {
    const button = uploadButton(event)
    if (button) button.setAttribute('href', uploadPageUrl())
  }, true)
}

document.addEventListener('click', (event) => {
  const button = uploadButton(event)
  if (!button) return
  // Plone's own handler would open its popover.
  event.stopImmediatePropagation()
  button.setAttribute('href', uploadPageUrl())
  const newTab = event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0
  if (!newTab) {
    event.preventDefault()
    window.location.assign(uploadPageUrl())
  }
}, true)
