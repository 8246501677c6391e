// Volto's own build configuration, with one change for the Razzle on npm.
//
// Volto 19 builds with its fork of Razzle, which is not published on npm;
// this project builds with Razzle 4.2.18 under the fork's name (package.json)
// and a current terser-webpack-plugin, which no longer takes `sourceMap`.
// The registry reached from here lacks @plone/components 4.2 (see the
// overrides in package.json): the `Radio` that three of Volto's widgets
// import from it is missing in 4.0.0-alpha.1, so a missing export is a
// warning, not an error.
const volto = require('@plone/volto/razzle.config');

module.exports = {
  ...volto,
  modifyWebpackOptions({ options: { webpackOptions } }) {
    if (webpackOptions.terserPluginOptions) {
      delete webpackOptions.terserPluginOptions.sourceMap;
    }
    return webpackOptions;
  },
  modifyWebpackConfig(params) {
    const config = volto.modifyWebpackConfig(params);
    config.module.parser = {
      ...config.module.parser,
      javascript: { ...config.module.parser?.javascript, exportsPresence: 'warn' },
    };
    return config;
  },
};
