// Leaving the page while files are on their way: the browser asks first.
// (Browsers show their own words; the page can only ask for the question.)
// Coming back continues the uploads, but until then they hold space on the
// server, and a tab closed by mistake should not cost a long upload.

/** Whether some file has started and neither arrived nor failed. */
export function uploadsUnderway (uppy) {
  return uppy.getFiles().some((file) =>
    file.progress.uploadStarted && !file.progress.uploadComplete && !file.error,
  )
}

export function warnBeforeLeaving (uppy) {
  window.addEventListener('beforeunload', (event) => {
    if (!uploadsUnderway(uppy)) return
    event.preventDefault()
    // Older browsers want a value.
    event.returnValue = ''
  })
}
