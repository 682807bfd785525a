'use strict';

// (i) Lite topic quota. The broker runs with MaxLiteTopics = 3: sends to three new lite topics succeed,
// a fourth new lite topic is answered LITE_TOPIC_QUOTA_EXCEEDED (42901), which the client raises as its
// typed LiteTopicQuotaExceededException; sending to an existing lite topic still works.

const { Code, LiteTopicQuotaExceededException } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const { resourcesFor, startProducer, send } = require('../lib/clients');

scenario('lite-topic-quota', async ctx => {
  const { topics, broker } = resourcesFor('lite-topic-quota');
  const parent = topics[0].name;
  const quota = broker.MaxLiteTopics;
  const names = [ ...Array(quota + 1).keys() ].map(index => `lt-${index}-${ctx.runId}`);

  const producer = await startProducer(ctx, { topics: [ parent ] });
  for (const name of names.slice(0, quota)) {
    await ctx.step(`send to new lite topic '${name}'`, () => send(ctx, producer, { topic: parent, liteTopic: name, seq: 0 }));
  }
  const refusal = await ctx.step(`send to lite topic number ${quota + 1}`, () =>
    ctx.expectRejection(`a send creating lite topic number ${quota + 1}`, () => send(ctx, producer, { topic: parent, liteTopic: names[quota], seq: 0 })));
  ctx.check(refusal instanceof LiteTopicQuotaExceededException && refusal.code === Code.LITE_TOPIC_QUOTA_EXCEEDED,
    `expected LiteTopicQuotaExceededException with code 42901, got ${refusal.name} code=${refusal.code}: ${refusal.message}`);
  await ctx.step(`send again to existing lite topic '${names[0]}'`, () => send(ctx, producer, { topic: parent, liteTopic: names[0], seq: 1 }));

  ctx.checkNoRpcProblems(problem => problem.code === Code.LITE_TOPIC_QUOTA_EXCEEDED);
  return { quota, refusal: { error: refusal.name, code: refusal.code, message: refusal.message } };
});
