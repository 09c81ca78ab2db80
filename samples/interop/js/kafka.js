'use strict';
// Kafka (herald serve, or any Kafka cluster Herald.Kafka uses), the CloudEvents Kafka binding: attributes in
// 'ce_<name>' record headers with UTF-8 values, datacontenttype in the 'content-type' header, the data as the value,
// the partition key as the record key. Herald's topic t is the Kafka topic t; a key's partition is Kafka's murmur2 of
// the key modulo the topic's partition count, which kafkajs's DefaultPartitioner computes as Herald does.
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { partition } = require('./murmur2');
const cloudEvent = require('./cloudevent');

const prefix = 'ce_';

/** Publishes one event to a topic Herald consumes; prints where it went. */
async function publish(options, print) {
  const attributes = cloudEvent.fromOptions(options);
  const kafka = client(options);
  const partitions = await ensureTopic(kafka, options);
  const headers = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== 'datacontenttype') headers[prefix + name] = Buffer.from(value, 'utf8');
  }
  headers['content-type'] = Buffer.from(attributes.datacontenttype, 'utf8');

  // The DefaultPartitioner (Java-compatible murmur2, kafkajs 2's default) puts a keyed record where Herald would;
  // naming it also keeps kafkajs from warning that the default changed in version 2.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const [written] = await producer.send({
      topic: options.topic,
      acks: -1,
      messages: [{
        key: attributes.partitionkey ?? null,
        value: Buffer.from(options.data, 'utf8'),
        headers,
        // Herald's record timestamp is the event's time; the exact time travels in ce_time.
        timestamp: String(Math.max(0, Date.parse(attributes.time))),
      }],
    });
    const expectedPartition = attributes.partitionkey !== undefined ? partition(attributes.partitionkey, partitions) : null;
    print({ published: { transport: 'kafka', topic: options.topic, partition: written.partition, offset: Number(written.baseOffset), partitions, expectedPartition, attributes, data: JSON.parse(options.data) } });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `count` events of a topic as the consumer group `--group` (default 'interop-js'; never a Herald group's name)
 * and prints each. A group that has not committed starts at the earliest event; what it printed it commits, so the
 * same group reads on from there next time.
 */
async function consume(options, print) {
  const kafka = client(options);
  const partitions = await ensureTopic(kafka, options);
  // Settings for a short-lived reader: heartbeats every second, a 10 s session (herald serve's minimum is 6 s), a
  // rebalance that waits at most 10 s for members that left without saying so, and fetches that wait at most
  // 500 ms for data, so that disconnecting (which waits for the fetch in flight) is quick. A group of one joins at once.
  const consumer = kafka.consumer({
    groupId: options.group,
    sessionTimeout: 10000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
  });
  let read = 0;
  let listening = false;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Read ${read} of ${options.count} events from topic '${options.topic}' as group '${options.group}' in ${options.timeout} ms.`)), options.timeout);
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        if (listening) return;
        listening = true;
        const assigned = payload.memberAssignment[options.topic] ?? [];
        print({ listening: { transport: 'kafka', topic: options.topic, group: options.group, partitions, assigned: [...assigned].sort((a, b) => a - b) } });
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        clearTimeout(timer);
        reject(payload.error);
      });
      consumer.run({
        // Offsets are resolved one printed event at a time: the group commits no event it did not print.
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
          for (const message of batch.messages) {
            if (read === options.count || !isRunning() || isStale()) break;
            print(toEvent(batch.topic, batch.partition, message, partitions));
            resolveOffset(message.offset);
            if (++read === options.count) {
              clearTimeout(timer);
              resolve();
            }
          }
        },
      }).catch(reject);
    });
  } finally {
    // Commits what was resolved and leaves the group.
    await consumer.disconnect();
  }
}

/** Reads a consumed record as a CloudEvent in binary mode; what is not one is reported, not thrown. */
function toEvent(topic, recordPartition, message, partitions) {
  const attributes = {};
  let contentType;
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // A header may repeat (kafkajs then gives an array); the last one counts, as in Herald.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    const text = last === undefined || last === null ? '' : last.toString('utf8');
    if (name.startsWith(prefix)) attributes[name.slice(prefix.length)] = text;
    else if (name === 'content-type') contentType = text;
  }
  attributes.datacontenttype = contentType ?? attributes.datacontenttype;
  const key = message.key === null ? null : message.key.toString('utf8');
  const place = { topic, partition: recordPartition, offset: Number(message.offset), key, timestamp: Number(message.timestamp) };
  const body = message.value ?? Buffer.alloc(0);
  const why = cloudEvent.problem(attributes);
  if (why !== null) return { unreadable: { ...place, reason: why, body: body.toString('utf8') } };
  // Kafka partitions by the record's key; Herald's key is the partition key, so either gives the same partition.
  const expectedPartition = key !== null ? partition(key, partitions) : null;
  const json = /[/+]json(;|$)/.test(attributes.datacontenttype ?? 'application/json');
  return { received: { transport: 'kafka', ...place, expectedPartition, attributes, data: json ? JSON.parse(body.toString('utf8')) : { data_base64: body.toString('base64') } } };
}

/**
 * Creates the topic when it is missing, with `--partitions` partitions as Herald.Kafka would (its Partitions option,
 * default 8), so either side may start first; returns the partition count the topic has. An existing topic keeps its
 * count, and both Herald and Kafka partition by the count the topic has.
 */
async function ensureTopic(kafka, options) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: options.topic, numPartitions: options.partitions }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [options.topic] });
    return metadata.topics[0].partitions.length;
  } finally {
    await admin.disconnect();
  }
}

function client(options) {
  return new Kafka({
    clientId: 'herald-interop-js',
    brokers: options.brokers.split(','),
    // kafkajs logs to stdout by default; this sample's stdout is its JSON lines, so its warnings and errors go to stderr.
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, label, log }) => process.stderr.write(`kafkajs ${label} [${namespace}] ${log.message}\n`),
    retry: { retries: 5, initialRetryTime: 100 },
  });
}

/** Returns the partition kafkajs's DefaultPartitioner gives `key` among `partitions` partitions. */
function kafkajsPartition(key, partitions) {
  const partitionMetadata = Array.from({ length: partitions }, (_, id) => ({ partitionId: id, leader: 0 }));
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key } });
}

module.exports = { publish, consume, kafkajsPartition };
