// The add-ons of this project, in the order Volto loads them.
module.exports = {
  addons: ['@plone-collective/volto-tusupload'],
  theme: '',
};
