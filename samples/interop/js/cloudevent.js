'use strict';
// The CloudEvent this sample publishes, and the checks a reader applies to what it receives.
const { randomUUID } = require('node:crypto');

/** Builds the attributes of an event from the command line's options (see interop.js). */
function fromOptions(options) {
  const attributes = {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source ?? '/samples/interop/js',
    type: options.type ?? 'order.placed',
    time: options.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
  };
  if (options.key !== undefined) attributes.partitionkey = options.key;
  if (options.correlation !== undefined) attributes.correlationid = options.correlation;
  if (options.user !== undefined) attributes.userid = options.user;
  if (options.sequence !== undefined) attributes.sequence = options.sequence;
  for (const [name, value] of options.extensions) {
    // CloudEvents extension names are 1-20 lower-case letters and digits.
    if (!/^[a-z0-9]{1,20}$/.test(name)) throw new Error(`The extension name '${name}' is invalid: use 1 to 20 of a-z and 0-9.`);
    attributes[name] = value;
  }
  return attributes;
}

/** Returns why `attributes` is not a CloudEvent Herald would read, or null when it is. */
function problem(attributes) {
  if (attributes.specversion !== '1.0') return `specversion is '${attributes.specversion}', not '1.0'`;
  for (const name of ['id', 'source', 'type']) {
    if (!attributes[name]) return `the required attribute '${name}' is missing`;
  }
  return null;
}

module.exports = { fromOptions, problem };
