'use strict';
// NATS JetStream, the CloudEvents NATS binding: attributes in 'ce-<name>' headers (values percent-encoded where they
// are not printable ASCII), the data as the body. Herald's topic t is the stream '<streamPrefix>_<token(t)>' with
// one subject per partition, '<subjectPrefix>.<token(t)>.<n>'.
const { connect, headers: natsHeaders } = require('nats');
const { partition } = require('./murmur2');
const names = require('./names');
const cloudEvent = require('./cloudevent');

/** Publishes one event to a topic Herald consumes; prints where it went. */
async function publish(options, print) {
  const attributes = cloudEvent.fromOptions(options);
  const target = attributes.partitionkey !== undefined ? partition(attributes.partitionkey, options.partitions) : 0;
  const subject = names.nats.subject(options.subjectPrefix, options.topic, target);
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'datacontenttype') continue;
    // Header names are case-insensitive: a producer may write 'Ce-Id' as well as 'ce-id'; this one mixes cases on purpose.
    headers.set(options.headerCase === 'mixed' ? mixedCase(name) : 'ce-' + name, quoteIfNeeded(encode(value)));
  }
  // Herald reads datacontenttype from content-type (HTTP style) as well as ce-datacontenttype.
  headers.set('content-type', attributes.datacontenttype);

  const connection = await connect({ servers: options.url, name: 'herald-interop-js' });
  try {
    // msgID is JetStream's de-duplication id: publishing the same event twice within the window stores it once.
    const ack = await connection.jetstream().publish(subject, Buffer.from(options.data, 'utf8'), { headers, msgID: attributes.id });
    print({ published: { transport: 'nats', stream: ack.stream, sequence: ack.seq, subject, partition: target, attributes, data: JSON.parse(options.data) } });
  } finally {
    await connection.close();
  }
}

/** Reads `count` events of a topic from the start of its stream with an ordered consumer and prints each. */
async function consume(options, print) {
  const stream = names.nats.stream(options.streamPrefix, options.topic);
  const connection = await connect({ servers: options.url, name: 'herald-interop-js' });
  try {
    // An ordered consumer is ephemeral and server-side state free: it suits a reader that does not need to resume.
    const consumer = await connection.jetstream().consumers.get(stream);
    print({ listening: { transport: 'nats', stream } });
    const deadline = Date.now() + options.timeout;
    for (let read = 0; read < options.count; read++) {
      const message = await consumer.next({ expires: Math.max(1000, deadline - Date.now()) });
      if (message === null) throw new Error(`Read ${read} of ${options.count} events from stream '${stream}' in ${options.timeout} ms.`);
      print(toEvent(message, options.partitions));
    }
  } finally {
    await connection.close();
  }
}

/** Reads a stored message as a CloudEvent in binary mode; what is not one is reported, not thrown. */
function toEvent(message, partitions) {
  const attributes = {};
  let contentType;
  for (const name of message.headers?.keys() ?? []) {
    const lower = name.toLowerCase();
    const value = decode(unquote(message.headers.get(name)));
    if (lower.startsWith('ce-')) attributes[lower.slice(3)] = value;
    else if (lower === 'content-type') contentType = value;
  }
  attributes.datacontenttype = contentType ?? attributes.datacontenttype;
  const place = { stream: message.info.stream, sequence: message.seq, subject: message.subject, partition: Number(message.subject.split('.').pop()) };
  const why = cloudEvent.problem(attributes);
  if (why !== null) return { unreadable: { ...place, reason: why, body: message.string() } };
  const expectedPartition = attributes.partitionkey !== undefined ? partition(attributes.partitionkey, partitions) : null;
  const json = /[/+]json(;|$)/.test(attributes.datacontenttype ?? 'application/json');
  return { received: { transport: 'nats', ...place, expectedPartition, attributes, data: json ? message.json() : { data_base64: Buffer.from(message.data).toString('base64') } } };
}

function mixedCase(name) {
  // 'Ce-Id', 'CE-SOURCE', 'ce-Type', ...: every spelling a foreign producer might use.
  const spellings = [(n) => 'Ce-' + n[0].toUpperCase() + n.slice(1), (n) => 'CE-' + n.toUpperCase(), (n) => 'ce-' + n[0].toUpperCase() + n.slice(1)];
  return spellings[[...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % spellings.length](name);
}

// The HTTP binding's percent-encoding, which the NATS binding follows: space, '"', '%' and non-printable-ASCII bytes.
function encode(value) {
  let out = '';
  for (const byte of Buffer.from(String(value), 'utf8')) {
    out += byte <= 0x20 || byte > 0x7e || byte === 0x22 || byte === 0x25 ? '%' + byte.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(byte);
  }
  return out;
}

function decode(value) {
  return value.includes('%') ? decodeURIComponent(value) : value;
}

// RFC 7230 quoted-strings are legal header values; this producer quotes values that hold a '/' to show readers cope.
function quoteIfNeeded(value) {
  return value.includes('/') ? `"${value}"` : value;
}

function unquote(value) {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replace(/\\(.)/g, '$1') : trimmed;
}

module.exports = { publish, consume };
