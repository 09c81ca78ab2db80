#!/usr/bin/env node
'use strict';
// A producer and a consumer of Herald's events in JavaScript. Prints one JSON document per line.
//
//   node interop.js partition --partitions 8 KEY...              the partition of each key (Kafka's murmur2; and
//                                                                kafkajs's DefaultPartitioner's choice)
//   node interop.js rabbitmq publish --topic orders [options]    publish one CloudEvent to a Herald topic
//   node interop.js rabbitmq consume --topic orders --count 1    read events Herald published
//   node interop.js nats publish --topic orders [options]
//   node interop.js nats consume --topic orders --count 1
//   node interop.js kafka publish --topic orders --key order-42 [options]
//   node interop.js kafka consume --topic orders --count 1 [--group interop-js]
//
// Options (defaults as Herald's):
//   --url URL                amqp://guest:guest@127.0.0.1:5672 or nats://127.0.0.1:4222
//   --brokers HOST:PORT,...  Kafka: KafkaTransportOptions.BootstrapServers (127.0.0.1:9092, herald serve's default)
//   --partitions N           RabbitMQTransportOptions.Partitions (4) or NatsTransportOptions.PartitionsPerTopic (8);
//                            Kafka: the count a missing topic is created with (KafkaTransportOptions.Partitions, 8)
//   --prefix P               RabbitMQTransportOptions.NamePrefix (herald.)
//   --stream-prefix P        NatsTransportOptions.StreamPrefix (herald)
//   --subject-prefix P       NatsTransportOptions.SubjectPrefix (herald)
//   publish: --id --type --source --time --key --correlation --user --sequence --data JSON --extension name=value
//            --native-time (RabbitMQ: time as an AMQP timestamp) --header-case mixed (NATS: Ce-Id, CE-TYPE, ...)
//   consume: --count N --timeout MS --queue NAME (RabbitMQ: the queue '<exchange>:NAME') --delete-queue
//            --group NAME (Kafka: this reader's consumer group, interop-js)
const { murmur2, partition } = require('./murmur2');

// Loaded when used: a command loads one broker's client, not all three.
const transports = { rabbitmq: () => require('./rabbitmq'), nats: () => require('./nats'), kafka: () => require('./kafka') };
const usage = 'usage: node interop.js partition --partitions N KEY... | node interop.js (rabbitmq|nats|kafka) (publish|consume) --topic TOPIC [options]';

function parse(argv) {
  const options = { extensions: [], positional: [], data: '{"orderId":"js-1"}', count: 1, timeout: 10000, queue: 'interop-js', group: 'interop-js' };
  const flags = new Set(['native-time', 'delete-queue']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      options.positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (flags.has(name)) {
      options[key] = true;
      continue;
    }
    if (i + 1 >= argv.length) throw new Error(`The option '${arg}' needs a value.`);
    const value = argv[++i];
    if (name === 'extension') {
      const at = value.indexOf('=');
      if (at < 1) throw new Error(`The extension '${value}' is not name=value.`);
      options.extensions.push([value.slice(0, at), value.slice(at + 1)]);
    } else {
      options[key] = value;
    }
  }
  for (const name of ['partitions', 'count', 'timeout']) {
    if (typeof options[name] === 'string') {
      options[name] = Number(options[name]);
      if (!Number.isInteger(options[name]) || options[name] < 1) throw new Error(`The option '--${name}' must be a positive integer.`);
    }
  }
  if (options.sequence !== undefined && !/^-?\d+$/.test(options.sequence)) throw new Error(`The option '--sequence' must be an integer, not '${options.sequence}'.`);
  JSON.parse(options.data);
  return options;
}

async function main(argv) {
  const print = (document) => process.stdout.write(JSON.stringify(document) + '\n');
  const [command, action, ...rest] = argv;
  if (command === 'partition') {
    const options = parse([action, ...rest].filter((a) => a !== undefined));
    if (!options.partitions || options.positional.length === 0) throw new Error(usage);
    print({
      partitions: options.partitions,
      keys: options.positional.map((key) => ({
        key,
        murmur2: murmur2(Buffer.from(key, 'utf8')),
        partition: partition(key, options.partitions),
        kafkajs: transports.kafka().kafkajsPartition(key, options.partitions),
      })),
    });
    return;
  }
  const transport = Object.hasOwn(transports, command) ? transports[command]() : undefined;
  if (!transport || !['publish', 'consume'].includes(action)) throw new Error(usage);
  const options = parse(rest);
  if (!options.topic) throw new Error(`The option '--topic' is required. ${usage}`);
  const rabbit = command === 'rabbitmq';
  options.url ??= rabbit ? 'amqp://guest:guest@127.0.0.1:5672' : 'nats://127.0.0.1:4222';
  options.brokers ??= '127.0.0.1:9092';
  options.partitions ??= rabbit ? 4 : 8;
  options.prefix ??= 'herald.';
  options.streamPrefix ??= 'herald';
  options.subjectPrefix ??= 'herald';
  await transport[action](options, print);
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`interop.js: ${error.message}\n`);
  process.exit(1);
});
