'use strict';
// Stand-ins for five model modules that @kestra-io/kestra-sdk 0.24.1 requires but that the
// published npm package does not contain.
//
// Why: the tarball on npm is broken. dist/index.js, dist/model/SLA.js (reached through Flow,
// so FlowsApi too), dist/model/MiscControllerConfiguration.js and MiscControllerEEConfiguration.js
// require ./SLALabels, ./MiscControllerEdition, ./LeftSidebarConfiguration,
// ./RightSidebarConfiguration and ./RightSidebarConfigurationCustomLink, and none of those files
// was published. `require('@kestra-io/kestra-sdk')` therefore throws "Cannot find module
// './SLALabels'" before anything can be called.
//
// What: requiring this file (before the SDK) registers one small module per missing name, under the
// path the SDK expects it at (dist/model/<Name>.js), and lets Node resolve those five names, and
// nothing else, to it, only when its own resolution fails. A file that does exist (a fixed SDK
// release) gets no stand-in and is used as is. node_modules is not touched.
// Each stand-in is a model class as the SDK's other models are called: constructFromObject(data)
// and validateJSON(data). It converts nothing: it returns the JSON value it is given (an SLA's
// labels, the server's edition, the UI sidebars' settings: none of which this test reads).

const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const MISSING = [
  'SLALabels',
  'MiscControllerEdition',
  'LeftSidebarConfiguration',
  'RightSidebarConfiguration',
  'RightSidebarConfigurationCustomLink',
];

const modelDir = path.join(path.dirname(require.resolve('@kestra-io/kestra-sdk')), 'model');
const standIns = new Set(); // dist/model/<Name>.js of each stand-in

for (const name of MISSING) {
  const filename = path.join(modelDir, `${name}.js`);
  if (fs.existsSync(filename)) continue; // published after all: the real model is used
  class StandIn {
    // The JSON value itself: no field of these models is read by the test.
    static constructFromObject(data) {
      return data;
    }
    static validateJSON() {
      return true;
    }
  }
  Object.defineProperty(StandIn, 'name', { value: name });
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.loaded = true;
  mod.exports = { __esModule: true, default: StandIn };
  require.cache[filename] = mod;
  standIns.add(filename);
}

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveMissingModel(request, parent, ...rest) {
  try {
    return resolve.call(this, request, parent, ...rest);
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND' && parent && parent.filename && request.startsWith('.')) {
      const wanted = path.resolve(path.dirname(parent.filename), request);
      for (const candidate of [wanted, `${wanted}.js`]) {
        if (standIns.has(candidate)) return candidate;
      }
    }
    throw error;
  }
};

module.exports = { MISSING };
