// A lone file's tile is a list item (role="listitem") in a container Uppy
// renders without role="list" (axe: aria-required-parent, critical). Give
// the container its role whenever Uppy renders it anew.

export function keepListRoles (root) {
  const mend = () => {
    for (const files of root.querySelectorAll('.uppy-Dashboard-files:not([role])')) {
      files.setAttribute('role', 'list')
    }
  }
  new MutationObserver(mend).observe(root, { childList: true, subtree: true })
  mend()
}
