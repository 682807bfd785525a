'use strict';

// Starts the official client's producers and consumers against the scenario's endpoint, and collects
// what consumers receive.

const {
  Producer, SimpleConsumer, PushConsumer, LitePushConsumerBuilder, ConsumeResult,
} = require('rocketmq-client-nodejs');
const { LiteSubscriptionAction } = require('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb');
const resources = require('../scenarios/resources.json');

const RUN_PROPERTY = 'interop-run';
const SEQ_PROPERTY = 'interop-seq';

// The broker has no signal for "this long poll is now parked": after the first ReceiveMessage of a new
// consumer is on the wire, give the broker this long to register the group before producing.
const POLL_SETTLE_MS = 300;

function resourcesFor(scenarioName) {
  const found = resources[scenarioName];
  if (!found) throw new Error(`no resources declared for scenario '${scenarioName}' in scenarios/resources.json`);
  return found;
}

/**
 * Starts a Producer announcing only the first of `topics`; the others' routes are fetched on first send.
 * rocketmq-client-nodejs 1.0.8 fetches the routes of all announced topics one after the other and only then
 * starts waiting for its first Settings; Settings answered before the last route arrives are missed, and
 * startup then waits for ever. One topic at start avoids that.
 */
async function startProducer(ctx, { topics, label = 'producer' }) {
  const producer = new Producer(ctx.clientOptions({ topics: topics.slice(0, 1) }));
  ctx.label(producer, label);
  await ctx.step(`start ${label} (QueryRoute, Telemetry settings)`, () => producer.startup());
  return producer;
}

async function startSimpleConsumer(ctx, { group, topic, awaitDuration = 5000, label = 'simple-consumer' }) {
  const consumer = new SimpleConsumer(ctx.clientOptions({
    consumerGroup: group,
    subscriptions: new Map([[ topic, '*' ]]),
    awaitDuration,
  }));
  ctx.label(consumer, label);
  await ctx.step(`start ${label} (QueryRoute, Telemetry settings)`, () => consumer.startup());
  return consumer;
}

async function startPushConsumer(ctx, {
  group, topic, consume, label = 'push-consumer', enableFifoConsumeAccelerator, expression = '*',
}) {
  const consumer = new PushConsumer(ctx.clientOptions({
    consumerGroup: group,
    subscriptions: new Map([[ topic, expression ]]),
    messageListener: { consume },
    enableFifoConsumeAccelerator,
  }));
  ctx.label(consumer, label);
  await ctx.step(`start ${label} (QueryRoute, Telemetry settings)`, () => consumer.startup());
  return consumer;
}

/**
 * Builds and starts a LitePushConsumer. On startup the client sends SyncLiteSubscription COMPLETE_ADD with its
 * (empty) lite topic set without waiting for the answer; a subscribeLite() made meanwhile races with it, and a
 * broker applying the older COMPLETE_ADD last drops the new subscription. Unless `racing` is set, this waits
 * for that first COMPLETE_ADD to be answered, so scenarios test what they mean to (lite-subscribe-race tests
 * the race itself).
 */
async function startLitePushConsumer(ctx, {
  group, bindTopic, consume, label = 'lite-consumer', enableFifoConsumeAccelerator, racing = false,
}) {
  const builder = new LitePushConsumerBuilder()
    .setClientConfiguration(ctx.clientOptions())
    .setConsumerGroup(group)
    .bindTopic(bindTopic)
    .setMessageListener({ consume });
  if (enableFifoConsumeAccelerator !== undefined) builder.setEnableFifoConsumeAccelerator(enableFifoConsumeAccelerator);
  const consumer = await ctx.step(`start ${label} (QueryRoute, Telemetry settings)`, () => builder.build());
  ctx.label(consumer, label);
  if (!racing) {
    await ctx.step(`wait for the startup SyncLiteSubscription COMPLETE_ADD of ${label}`, () =>
      ctx.waitFor(`an answer to the startup COMPLETE_ADD of ${label}`, () => ctx.trace.callsOf('syncLiteSubscription', label)
        .some(call => call.request.getAction() === LiteSubscriptionAction.COMPLETE_ADD && call.endedAt !== undefined), 5000));
  }
  return consumer;
}

/**
 * Waits until a push consumer has a ReceiveMessage call on the wire (it first needs QueryAssignment to
 * answer with at least one queue), then lets the broker register it.
 */
async function waitUntilPolling(ctx, label) {
  await ctx.step(`wait for ${label} to poll (QueryAssignment, then ReceiveMessage)`, () =>
    ctx.waitFor(`a ReceiveMessage call from ${label}; QueryAssignment calls: ${describeAssignments(ctx, label)}`,
      () => ctx.trace.callsOf('receiveMessage', label).length > 0, 8000));
  await new Promise(resolve => setTimeout(resolve, POLL_SETTLE_MS));
}

function describeAssignments(ctx, label) {
  const calls = ctx.trace.callsOf('queryAssignment', label);
  if (calls.length === 0) return 'none made';
  const last = calls[calls.length - 1];
  if (last.grpcError) return `last failed with gRPC ${last.grpcError.status}: ${last.grpcError.details}`;
  if (!last.response) return 'last still pending';
  const status = last.response.getStatus()?.toObject();
  return `last answered status ${JSON.stringify(status)} with ${last.response.getAssignmentsList().length} assignment(s)`;
}

function messageOptions(ctx, { topic, seq, body, tag, keys, messageGroup, liteTopic, properties = {} }) {
  const allProperties = new Map([[ RUN_PROPERTY, ctx.runId ], [ SEQ_PROPERTY, String(seq) ]]);
  for (const [ key, value ] of Object.entries(properties)) allProperties.set(key, value);
  const options = { topic, body: Buffer.from(body ?? `${ctx.runId}-${seq}`), properties: allProperties };
  if (tag !== undefined) options.tag = tag;
  if (keys !== undefined) options.keys = keys;
  if (messageGroup !== undefined) options.messageGroup = messageGroup;
  if (liteTopic !== undefined) options.liteTopic = liteTopic;
  return options;
}

/** Sends one message and returns { receipt, options }. */
async function send(ctx, producer, message) {
  const options = messageOptions(ctx, message);
  const receipt = await producer.send(options);
  return { receipt, options };
}

/** What a scenario keeps of a received MessageView. */
function summarize(view) {
  return {
    messageId: view.messageId,
    topic: view.topic,
    liteTopic: view.liteTopic || undefined,
    tag: view.tag || undefined,
    keys: view.keys,
    messageGroup: view.messageGroup || undefined,
    body: view.body.toString('utf8'),
    run: view.properties.get(RUN_PROPERTY),
    seq: view.properties.has(SEQ_PROPERTY) ? Number(view.properties.get(SEQ_PROPERTY)) : undefined,
    properties: Object.fromEntries(view.properties),
    deliveryAttempt: view.deliveryAttempt,
    bornTimestamp: view.bornTimestamp?.getTime(),
    bornHost: view.bornHost,
    offset: view.offset,
    receiptHandle: view.receiptHandle,
    corrupted: view.corrupted === true,
    receivedAt: Date.now(),
  };
}

/**
 * Collects messages of this run; `decide(summary, view)` returns the ConsumeResult (SUCCESS by default).
 * Messages of other runs (left on a shared standalone broker) are acknowledged and ignored.
 */
function createInbox(ctx, decide = () => ConsumeResult.SUCCESS) {
  const inbox = {
    messages: [],
    foreign: 0,
    async consume(view) {
      const summary = summarize(view);
      if (summary.run !== ctx.runId) {
        inbox.foreign++;
        return ConsumeResult.SUCCESS;
      }
      inbox.messages.push(summary);
      return decide(summary, view);
    },
    of(predicate) {
      return inbox.messages.filter(predicate);
    },
    liteTopic(name) {
      return inbox.messages.filter(message => message.liteTopic === name);
    },
  };
  inbox.consume = inbox.consume.bind(inbox);
  return inbox;
}

/** Sorted, de-duplicated numbers, for comparing received sequence numbers with expected ones. */
function seqs(messages) {
  return [ ...new Set(messages.map(message => message.seq)) ].sort((a, b) => a - b);
}

function sameNumbers(actual, expected) {
  return actual.length === expected.length && actual.every((value, index) => value === expected[index]);
}

/** Resolves after `ms`: used only to observe that nothing more arrives, never to wait for an event. */
function quietWindow(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * The everyday round trip a client option must not break: a SimpleConsumer parked in ReceiveMessage on `topic`
 * gets and acks a message a Producer sends, then a LitePushConsumer of `liteGroup` bound to `parent` subscribes
 * `liteTopic`, gets a lite message and acks it. `who` names the clients in failure messages.
 */
async function normalAndLiteRoundTrip(ctx, { topic, parent, group, liteGroup, liteTopic, who }) {
  const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: 5000 });
  const parked = consumer.receive(16, 15000);
  await ctx.waitFor('the first ReceiveMessage', () => ctx.trace.callsOf('receiveMessage', 'simple-consumer').length > 0, 3000);
  await quietWindow(300);
  const producer = await startProducer(ctx, { topics: [ topic, parent ] });
  const { receipt } = await ctx.step('send a normal message', () => send(ctx, producer, { topic, seq: 1 }));

  const mine = [];
  await ctx.step('receive and ack it', async () => {
    let batch = await parked;
    const deadline = Date.now() + 8000;
    for (;;) {
      for (const view of batch) {
        await consumer.ack(view);
        if (summarize(view).run === ctx.runId) mine.push(summarize(view));
      }
      if (mine.length > 0 || Date.now() > deadline) break;
      batch = await consumer.receive(16, 15000);
    }
  });
  ctx.check(mine.length === 1 && mine[0].messageId === receipt.messageId, `the ${who} simple consumer did not get the message`, mine);

  const inbox = createInbox(ctx);
  const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
  await ctx.step(`subscribeLite('${liteTopic}')`, () => liteConsumer.subscribeLite(liteTopic));
  await waitUntilPolling(ctx, 'lite-consumer');
  await ctx.step('send a lite message', () => send(ctx, producer, { topic: parent, liteTopic, seq: 2 }));
  await ctx.step('receive it', () => ctx.waitFor(`the message on '${liteTopic}'`, () => inbox.liteTopic(liteTopic).length === 1, 8000));
  await ctx.step('wait for its AckMessage', () =>
    ctx.waitFor('a successful AckMessage', () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= 1, 5000));
  return { producer, consumer, liteConsumer, inbox, mine };
}

module.exports = {
  RUN_PROPERTY,
  SEQ_PROPERTY,
  resourcesFor,
  startProducer,
  startSimpleConsumer,
  startPushConsumer,
  startLitePushConsumer,
  waitUntilPolling,
  messageOptions,
  send,
  summarize,
  createInbox,
  seqs,
  sameNumbers,
  quietWindow,
  normalAndLiteRoundTrip,
};
