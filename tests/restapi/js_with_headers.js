// Run the shared tus-js-client driver (tests/clients/js/upload.js) with
// extra request headers, e.g. basic auth for a Plone site.
//
// Usage: node js_with_headers.js '<json options of upload.js plus "headers">'
"use strict";

const path = require("path");

const driverDir = path.join(__dirname, "..", "clients", "js");
const tus = require(require.resolve("tus-js-client", { paths: [driverDir] }));
const options = JSON.parse(process.argv[2]);

tus.defaultOptions.headers = options.headers || {};
require(path.join(driverDir, "upload.js"));
