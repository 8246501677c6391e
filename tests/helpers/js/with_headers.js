// Run the shared tus-js-client driver (upload.js beside it) with
// extra request headers, e.g. basic auth for a Plone site.
//
// Usage: node with_headers.js '<json options of upload.js plus "headers">'
"use strict";

const path = require("path");

const driverDir = __dirname;
const tus = require(require.resolve("tus-js-client", { paths: [driverDir] }));
const options = JSON.parse(process.argv[2]);

tus.defaultOptions.headers = options.headers || {};
require(path.join(driverDir, "upload.js"));
