// Volto's own Babel configuration (its preset and plugins: loadable
// components for server-side rendering, react-intl message extraction).
module.exports = require('@plone/volto/babel');
