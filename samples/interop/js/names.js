'use strict';
// Where Herald's events live on each broker, for a given topic. See docs/interop.md.

/**
 * Escapes a topic or group name as Herald's NATS transport does: every character outside A-Z a-z 0-9 '-' becomes
 * '_' and the two hex digits of each of its UTF-8 bytes, so 'orders.eu_west' is 'orders_2Eeu_5Fwest'.
 */
function natsToken(name) {
  if (!name) throw new Error('A topic name must not be empty.');
  let token = '';
  for (const ch of name) {
    if (/^[A-Za-z0-9-]$/.test(ch)) {
      token += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8')) token += '_' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return token;
}

const nats = {
  /** The stream of a topic: '<streamPrefix>_<token>'. */
  stream: (streamPrefix, topic) => `${streamPrefix}_${natsToken(topic)}`,
  /** The subject of a topic's partition: '<subjectPrefix>.<token>.<partition>'. */
  subject: (subjectPrefix, topic, partition) => `${subjectPrefix}.${natsToken(topic)}.${partition}`,
};

const rabbitmq = {
  /** The topic's durable direct exchange: '<prefix><topic>'. */
  exchange: (prefix, topic) => `${prefix}${checkedTopic(topic)}`,
  /** The fanout exchange and queue that keep what no queue took: '<prefix><topic>:unrouted'. */
  unrouted: (prefix, topic) => `${prefix}${checkedTopic(topic)}:unrouted`,
  /** The routing key of a partition: 'p<partition>'. */
  routingKey: (partition) => `p${partition}`,
};

function checkedTopic(topic) {
  if (!/^[A-Za-z0-9._-]+$/.test(topic)) {
    throw new Error(`The topic name '${topic}' is invalid on RabbitMQ: use the characters a-z, A-Z, 0-9, '.', '_' and '-'.`);
  }
  return topic;
}

module.exports = { natsToken, nats, rabbitmq };
