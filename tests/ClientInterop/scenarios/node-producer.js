'use strict';

// The official client's Producer sends COUNT messages to each lite topic (tag, keys, a property, a body naming
// lite topic and sequence) and reports the receipts, so a test can check what the AgentBus .NET consumer got.

const { Producer } = require('rocketmq-client-nodejs');
const { env, clientOptions, report, deadline } = require('./common');

async function main() {
  deadline(Number(env('SCENARIO_TIMEOUT_MS', '25000')));
  const parent = env('PARENT');
  const liteTopics = env('LITE_TOPICS').split(',');
  const count = Number(env('COUNT'));
  const producer = new Producer({ ...clientOptions(), topics: [ parent ] });
  await producer.startup();
  const receipts = [];
  for (let seq = 0; seq < count; seq++) {
    for (const liteTopic of liteTopics) {
      const receipt = await producer.send({
        topic: parent,
        liteTopic,
        tag: 'from-node',
        keys: [ `key-${seq}` ],
        properties: new Map([[ 'seq', String(seq) ]]),
        body: Buffer.from(`${liteTopic}:${seq}`),
      });
      receipts.push({ liteTopic, seq, messageId: receipt.messageId, offset: Number(receipt.offset) });
    }
  }
  await producer.shutdown();
  report('done', { receipts });
  process.exit(0);
}

main().catch(error => {
  report('error', { message: String(error && error.stack || error) });
  process.exit(1);
});
