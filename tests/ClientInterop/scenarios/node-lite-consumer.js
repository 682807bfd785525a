'use strict';

// The official client's LitePushConsumer subscribes lite topics and reports every message it consumes, so a
// test can check what another client (the AgentBus .NET producer) sent: ids, lite topic, tag, keys, properties,
// body and order.

const { LitePushConsumerBuilder, ConsumeResult } = require('rocketmq-client-nodejs');
const { env, clientOptions, report, sleep, deadline } = require('./common');

async function main() {
  deadline(Number(env('SCENARIO_TIMEOUT_MS', '25000')));
  const liteTopics = env('LITE_TOPICS').split(',');
  const expected = Number(env('EXPECT'));
  const received = [];
  let done;
  const all = new Promise(resolve => { done = resolve; });

  const consumer = await new LitePushConsumerBuilder()
    .setClientConfiguration(clientOptions())
    .setConsumerGroup(env('GROUP'))
    .bindTopic(env('PARENT'))
    .setMessageListener({
      consume(message) {
        received.push({
          messageId: message.messageId,
          topic: message.topic,
          liteTopic: message.liteTopic,
          tag: message.tag,
          keys: message.keys,
          properties: Object.fromEntries(message.properties),
          body: message.body.toString('utf8'),
          deliveryAttempt: message.deliveryAttempt,
        });
        if (received.length >= expected) done();
        return ConsumeResult.SUCCESS;
      },
    })
    .build();
  // The client's first COMPLETE_ADD (its empty set) is sent without waiting at start; let it land first.
  await sleep(1000);
  for (const liteTopic of liteTopics) await consumer.subscribeLite(liteTopic);
  report('ready', { clientId: consumer.clientId, liteTopics: [ ...consumer.getLiteTopicSet() ] });

  await all;
  // Acks are sent after the listener returns; give them a moment before shutting down.
  await sleep(500);
  await consumer.shutdown();
  report('done', { received });
  process.exit(0);
}

main().catch(error => {
  report('error', { message: String(error && error.stack || error) });
  process.exit(1);
});
