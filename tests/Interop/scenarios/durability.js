'use strict';

// (j) Durability across a broker restart. Run twice against the same data directory:
//   node scenarios/durability.js send      (then stop the broker and start it again)
//   node scenarios/durability.js consume
// The send phase stores messages on a NORMAL topic and on a lite topic, consumes and acknowledges the
// first half of each, and leaves the second half pending (the lite consumer unsubscribes first). After the
// restart, the consume phase must get exactly the pending half — same ids and bodies — and none of the
// acknowledged half: the commit log, the consume offsets, and the topic and group definitions survived.
// The phases share a state file (AGENTBUS_STATE_FILE, default in the temp directory).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startSimpleConsumer, startLitePushConsumer, waitUntilPolling, send, createInbox,
  summarize, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

const HALF = 3;
const phase = process.argv[2];
const stateFile = process.env.AGENTBUS_STATE_FILE || path.join(os.tmpdir(), 'agentbus-interop-durability.json');

if (phase !== 'send' && phase !== 'consume') {
  process.stderr.write('usage: node scenarios/durability.js send|consume\n');
  process.exit(64);
}

function names() {
  const { topics, groups } = resourcesFor('durability');
  return { topic: topics[0].name, parent: topics[1].name, group: groups[0].name, liteGroup: groups[1].name };
}

/** Receives with `consumer` until `done()` or the deadline, acknowledging everything; returns this run's messages. */
async function receiveAndAck(ctx, consumer, done, waitMs) {
  const mine = [];
  const deadline = Date.now() + waitMs;
  while (!done(mine) && Date.now() < deadline) {
    for (const view of await consumer.receive(16, 15000)) {
      await consumer.ack(view);
      const summary = summarize(view);
      if (summary.run === ctx.runId) mine.push(summary);
    }
  }
  return mine;
}

async function sendPhase(ctx) {
  const { topic, parent, group, liteGroup } = names();
  const liteTopic = `durable-${ctx.runId}`;
  const producer = await startProducer(ctx, { topics: [ topic, parent ] });
  const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: 5000 });

  const parked = consumer.receive(16, 15000);
  await ctx.waitFor('the first ReceiveMessage', () => ctx.trace.callsOf('receiveMessage', 'simple-consumer').length > 0, 3000);
  await new Promise(resolve => setTimeout(resolve, 300));
  const normal = { acked: [], pending: [] };
  await ctx.step(`send ${HALF} normal messages to consume now`, async () => {
    for (let seq = 0; seq < HALF; seq++) normal.acked.push({ seq, messageId: (await send(ctx, producer, { topic, seq })).receipt.messageId });
  });
  await ctx.step(`receive and ack them`, async () => {
    const mine = [];
    for (const view of await parked) {
      await consumer.ack(view);
      if (summarize(view).run === ctx.runId) mine.push(summarize(view));
    }
    mine.push(...await receiveAndAck(ctx, consumer, got => seqs([ ...mine, ...got ]).length >= HALF, 10000));
    ctx.check(seqs(mine).length === HALF, `received ${seqs(mine).length} of the ${HALF} normal messages before the restart`, seqs(mine));
  });
  await ctx.step(`send ${HALF} normal messages to leave pending`, async () => {
    for (let seq = HALF; seq < 2 * HALF; seq++) normal.pending.push({ seq, messageId: (await send(ctx, producer, { topic, seq })).receipt.messageId });
  });

  const inbox = createInbox(ctx);
  const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
  await ctx.step(`subscribeLite('${liteTopic}')`, () => liteConsumer.subscribeLite(liteTopic));
  await waitUntilPolling(ctx, 'lite-consumer');
  const lite = { liteTopic, acked: [], pending: [] };
  await ctx.step(`send ${HALF} lite messages to consume now`, async () => {
    for (let seq = 0; seq < HALF; seq++) lite.acked.push({ seq, messageId: (await send(ctx, producer, { topic: parent, liteTopic, seq })).receipt.messageId });
  });
  await ctx.step('consume them and wait for the acks', async () => {
    await ctx.waitFor(`${HALF} lite messages`, () => inbox.liteTopic(liteTopic).length >= HALF, 8000);
    await ctx.waitFor(`${HALF} successful AckMessage calls`, () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= HALF, 5000);
  });
  await ctx.step(`unsubscribeLite('${liteTopic}')`, () => liteConsumer.unsubscribeLite(liteTopic));
  await ctx.step(`send ${HALF} lite messages to leave pending`, async () => {
    for (let seq = HALF; seq < 2 * HALF; seq++) lite.pending.push({ seq, messageId: (await send(ctx, producer, { topic: parent, liteTopic, seq })).receipt.messageId });
  });

  fs.writeFileSync(stateFile, JSON.stringify({ runId: ctx.runId, normal, lite }, null, 2));
  ctx.checkNoRpcProblems();
  return { phase, stateFile, normal, lite };
}

async function consumePhase(ctx) {
  const { topic, parent, group, liteGroup } = names();
  const state = await ctx.step(`read ${stateFile}`, () => JSON.parse(fs.readFileSync(stateFile, 'utf8')));
  ctx.runId = state.runId;
  const idsBySeq = list => new Map(list.map(item => [ item.seq, item.messageId ]));

  const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: 5000 });
  const pendingSeqs = state.normal.pending.map(item => item.seq);
  const normal = await ctx.step('receive the pending normal messages', () =>
    receiveAndAck(ctx, consumer, got => pendingSeqs.every(seq => seqs(got).includes(seq)), 10000));
  ctx.check(sameNumbers(seqs(normal), pendingSeqs),
    `after the restart the normal consumer group got seq ${JSON.stringify(seqs(normal))}, expected the pending ${JSON.stringify(pendingSeqs)} (seq below ${HALF} had been acknowledged)`);
  const normalIds = idsBySeq([ ...state.normal.acked, ...state.normal.pending ]);
  for (const message of normal) {
    ctx.check(message.messageId === normalIds.get(message.seq), `normal seq=${message.seq}: message id changed across the restart`);
    ctx.check(message.body === `${ctx.runId}-${message.seq}`, `normal seq=${message.seq}: body changed across the restart`);
  }

  const inbox = createInbox(ctx);
  const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
  const litePending = state.lite.pending.map(item => item.seq);
  await ctx.step(`subscribeLite('${state.lite.liteTopic}') without an offset option (resume from the committed offset)`,
    () => liteConsumer.subscribeLite(state.lite.liteTopic));
  await ctx.step('receive the pending lite messages', () =>
    ctx.waitFor(`lite seq ${JSON.stringify(litePending)}; have ${JSON.stringify(seqs(inbox.messages))}`,
      () => litePending.every(seq => seqs(inbox.messages).includes(seq)), 10000));
  await ctx.step('watch for acknowledged lite messages coming back', () => quietWindow(1000));
  ctx.check(sameNumbers(seqs(inbox.messages), litePending),
    `after the restart the lite consumer group got seq ${JSON.stringify(seqs(inbox.messages))}, expected the pending ${JSON.stringify(litePending)}`);
  const liteIds = idsBySeq([ ...state.lite.acked, ...state.lite.pending ]);
  for (const message of inbox.messages) {
    ctx.check(message.messageId === liteIds.get(message.seq), `lite seq=${message.seq}: message id changed across the restart`);
    ctx.check(message.liteTopic === state.lite.liteTopic, `lite seq=${message.seq}: lite_topic is '${message.liteTopic}'`);
  }
  ctx.checkNoRpcProblems();
  return { phase, normal: seqs(normal), lite: seqs(inbox.messages) };
}

scenario(`durability-${phase}`, ctx => (phase === 'send' ? sendPhase(ctx) : consumePhase(ctx)));
