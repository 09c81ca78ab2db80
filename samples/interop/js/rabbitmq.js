'use strict';
// RabbitMQ, the CloudEvents AMQP binding: attributes in 'cloudEvents_<name>' headers, datacontenttype in the
// content-type property, the data as the body. Herald routes partition n of topic t with routing key 'p<n>' on the
// direct exchange '<prefix><t>'.
const amqp = require('amqplib');
const { partition } = require('./murmur2');
const names = require('./names');
const cloudEvent = require('./cloudevent');

const prefix = 'cloudEvents_';
const colonPrefix = 'cloudEvents:';

/** Publishes one event to a topic Herald consumes; prints where it went. */
async function publish(options, print) {
  const attributes = cloudEvent.fromOptions(options);
  const exchange = names.rabbitmq.exchange(options.prefix, options.topic);
  // A key picks the partition as Herald does; without one any partition will do (Herald round-robins).
  const target = attributes.partitionkey !== undefined ? partition(attributes.partitionkey, options.partitions) : 0;
  const headers = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'datacontenttype') continue;
    headers[prefix + name] = value;
  }
  // The binding lets 'time' travel as a native AMQP timestamp (whole seconds); Herald reads either form.
  if (options.nativeTime) headers[prefix + 'time'] = { '!': 'timestamp', value: Math.floor(Date.parse(attributes.time) / 1000) };
  // And integers as AMQP integers: 'sequence' goes as a 64-bit signed integer.
  if (attributes.sequence !== undefined) headers[prefix + 'sequence'] = { '!': 'int64', value: Number(attributes.sequence) };

  const connection = await amqp.connect(options.url);
  try {
    const channel = await connection.createConfirmChannel();
    await declareTopic(channel, options);
    const routingKey = names.rabbitmq.routingKey(target);
    channel.publish(exchange, routingKey, Buffer.from(options.data, 'utf8'), {
      persistent: true,
      contentType: attributes.datacontenttype,
      messageId: attributes.id,
      headers,
    });
    await channel.waitForConfirms();
    print({ published: { transport: 'rabbitmq', exchange, routingKey, partition: target, attributes, data: JSON.parse(options.data) } });
  } finally {
    await connection.close();
  }
}

/**
 * Reads `count` events of a topic through a queue of this application's own, bound to every partition's routing key,
 * and prints each. One queue keeps each key's events in order, as Herald's partitions do.
 */
async function consume(options, print) {
  const exchange = names.rabbitmq.exchange(options.prefix, options.topic);
  const queue = `${exchange}:${options.queue}`;
  const connection = await amqp.connect(options.url);
  try {
    const channel = await connection.createChannel();
    await declareTopic(channel, options);
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (let p = 0; p < options.partitions; p++) await channel.bindQueue(queue, exchange, names.rabbitmq.routingKey(p));
    await channel.prefetch(options.count);
    print({ listening: { transport: 'rabbitmq', exchange, queue } });

    let read = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Read ${read} of ${options.count} events from queue '${queue}' in ${options.timeout} ms.`)), options.timeout);
      channel.consume(queue, (message) => {
        if (message === null) return reject(new Error(`The broker cancelled the consumer of queue '${queue}'.`));
        print(toEvent(message, options.partitions));
        channel.ack(message);
        if (++read === options.count) {
          clearTimeout(timer);
          resolve();
        }
      }).catch(reject);
    });
    if (options.deleteQueue) await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
}

/**
 * Declares the topic exactly as Herald does, so either side may start first: the direct exchange '<prefix><topic>',
 * whose alternate exchange '<prefix><topic>:unrouted' (fanout) feeds the quorum queue of the same name. An event no
 * group's queue takes yet waits there, and Herald hands it to the first group that binds its queues.
 */
async function declareTopic(channel, options) {
  const exchange = names.rabbitmq.exchange(options.prefix, options.topic);
  const unrouted = names.rabbitmq.unrouted(options.prefix, options.topic);
  await channel.assertQueue(unrouted, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertExchange(unrouted, 'fanout', { durable: true, autoDelete: false });
  await channel.bindQueue(unrouted, unrouted, '');
  await channel.assertExchange(exchange, 'direct', { durable: true, autoDelete: false, alternateExchange: unrouted });
}

/** Reads a delivered message as a CloudEvent in binary mode; what is not one is reported, not thrown. */
function toEvent(message, partitions) {
  const attributes = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    const attribute = name.startsWith(prefix) ? name.slice(prefix.length) : name.startsWith(colonPrefix) ? name.slice(colonPrefix.length) : null;
    if (attribute !== null) attributes[attribute] = text(value);
  }
  if (message.properties.contentType) attributes.datacontenttype = message.properties.contentType;
  const routed = /^p(\d+)$/.exec(message.fields.routingKey);
  const place = { exchange: message.fields.exchange, routingKey: message.fields.routingKey, partition: routed ? Number(routed[1]) : null };
  const why = cloudEvent.problem(attributes);
  if (why !== null) return { unreadable: { ...place, reason: why, body: message.content.toString('utf8') } };
  const expectedPartition = attributes.partitionkey !== undefined ? partition(attributes.partitionkey, partitions) : null;
  return { received: { transport: 'rabbitmq', ...place, expectedPartition, attributes, data: data(attributes.datacontenttype, message.content) } };
}

// Herald writes every attribute as a string; other producers may type them (amqplib gives typed values as {'!': type}).
function text(value) {
  if (value !== null && typeof value === 'object' && value['!'] === 'timestamp') return new Date(value.value * 1000).toISOString();
  if (value !== null && typeof value === 'object' && '!' in value) return String(value.value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

function data(contentType, body) {
  return /[/+]json(;|$)/.test(contentType ?? 'application/json') ? JSON.parse(body.toString('utf8')) : { data_base64: body.toString('base64') };
}

module.exports = { publish, consume };
