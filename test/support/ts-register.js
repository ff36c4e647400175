// Lets a child `node` process run the TypeScript sources as jest does (swc, same decorator
// options, the @app/* aliases; Node 24 require()s ESM-only packages such as jose), for tests that must signal or kill a
// real process: node -r ./test/support/ts-register.js some-script.ts
const Module = require('node:module');
const { join } = require('node:path');
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

const root = join(__dirname, '..', '..');
const ALIAS = /^@app\/(domain|workflow|contracts|messaging|persistence|platform|fixtures)(\/.*)?$/;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = ALIAS.exec(request);
  if (m) request = join(root, 'libs', m[1], 'src', m[2] ? m[2].slice(1) : '');
  return resolve.call(this, request, ...rest);
};

const options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const compile = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
Module._extensions['.ts'] = compile;
