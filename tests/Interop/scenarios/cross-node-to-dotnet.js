'use strict';

// Cross-client (b): the official client's Producer sends COUNT messages to each of two lite topics that an
// AgentBus .NET LitePushConsumer has subscribed; the .NET side then checks what it consumed against the receipts
// reported here. Arguments: the run id (stamped as interop-run) and COUNT.

const { scenario } = require('../lib/harness');
const { resourcesFor, startProducer, send } = require('../lib/clients');

const runId = process.argv[2];
const count = Number(process.argv[3]);

scenario('cross-node-to-dotnet', async ctx => {
  ctx.check(runId && count > 0, 'usage: cross-node-to-dotnet.js RUN_ID COUNT');
  const { topics } = resourcesFor('cross-node-to-dotnet');
  const parent = topics[0].name;
  const liteTopics = [ `cross-a-${runId}`, `cross-b-${runId}` ];
  const producer = await startProducer(ctx, { topics: [ parent ] });
  const receipts = [];
  await ctx.step(`send ${count} messages to each of ${liteTopics.join(', ')}`, async () => {
    for (let seq = 0; seq < count; seq++) {
      for (const liteTopic of liteTopics) {
        const { receipt } = await send(ctx, producer, {
          topic: parent, liteTopic, seq, tag: 'from-node', keys: [ `key-${seq}` ], body: `${liteTopic}:${seq}`,
          properties: { 'interop-run': runId },
        });
        receipts.push({ messageId: receipt.messageId, liteTopic, seq, offset: Number(receipt.offset) });
      }
    }
  });
  ctx.checkNoRpcProblems();
  return { receipts };
});
