'use strict';

// (j) Durability across a broker restart. Run twice against the same data directory:
//   node scenarios/durability.js send [normal|lite]      (then stop the broker and start it again)
//   node scenarios/durability.js consume [normal|lite]
// (both halves unless one is named; the consume phase takes what the send phase stored).
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
const parts = process.argv[3] ? [ process.argv[3] ] : [ 'normal', 'lite' ];
const stateFile = process.env.AGENTBUS_STATE_FILE || path.join(os.tmpdir(), 'agentbus-interop-durability.json');

if ((phase !== 'send' && phase !== 'consume') || !parts.every(part => part === 'normal' || part === 'lite')) {
  process.stderr.write('usage: node scenarios/durability.js send|consume [normal|lite]\n');
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
  const normal = { acked: [], pending: [] };
  const lite = { liteTopic, acked: [], pending: [] };
  if (parts.includes('normal')) await sendNormal(ctx, producer, topic, group, normal);
  if (parts.includes('lite')) await sendLite(ctx, producer, parent, liteGroup, lite);
  fs.writeFileSync(stateFile, JSON.stringify({ runId: ctx.runId, parts, normal, lite }, null, 2));
  ctx.checkNoRpcProblems();
  return { phase, parts, stateFile, normal, lite };
}

async function sendNormal(ctx, producer, topic, group, normal) {
  const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: 5000 });
  const parked = consumer.receive(16, 15000);
  await ctx.waitFor('the first ReceiveMessage', () => ctx.trace.callsOf('receiveMessage', 'simple-consumer').length > 0, 3000);
  await new Promise(resolve => setTimeout(resolve, 300));
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
}

async function sendLite(ctx, producer, parent, liteGroup, lite) {
  const { liteTopic } = lite;
  const inbox = createInbox(ctx);
  const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
  await ctx.step(`subscribeLite('${liteTopic}')`, () => liteConsumer.subscribeLite(liteTopic));
  await waitUntilPolling(ctx, 'lite-consumer');
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
}

async function consumePhase(ctx) {
  const { topic, parent, group, liteGroup } = names();
  const state = await ctx.step(`read ${stateFile}`, () => JSON.parse(fs.readFileSync(stateFile, 'utf8')));
  ctx.runId = state.runId;
  const expected = {
    normal: state.parts.includes('normal') ? state.normal.pending.map(item => item.seq) : [],
    lite: state.parts.includes('lite') ? state.lite.pending.map(item => item.seq) : [],
  };

  // Both halves are collected before judging, so one report covers the normal topic and the lite topic.
  let normal = [];
  if (state.parts.includes('normal')) {
    const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: 5000 });
    normal = await ctx.step('receive the pending normal messages', () =>
      receiveAndAck(ctx, consumer, got => expected.normal.every(seq => seqs(got).includes(seq)), 8000));
  }
  const inbox = createInbox(ctx);
  if (state.parts.includes('lite')) {
    const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
    await ctx.step(`subscribeLite('${state.lite.liteTopic}') without an offset option (resume from the committed offset)`,
      () => liteConsumer.subscribeLite(state.lite.liteTopic));
    await ctx.step('receive the pending lite messages', async () => {
      try {
        await ctx.waitFor('the pending lite messages', () => expected.lite.every(seq => seqs(inbox.messages).includes(seq)), 8000);
      } catch {
        // judged below, with the normal half
      }
    });
    await ctx.step('watch for acknowledged lite messages coming back', () => quietWindow(1000));
  }

  const received = { normal: seqs(normal), lite: seqs(inbox.messages) };
  ctx.check(sameNumbers(received.normal, expected.normal) && sameNumbers(received.lite, expected.lite),
    `after the restart the groups got ${JSON.stringify(received)}, expected the pending ${JSON.stringify(expected)} ` +
    `(seq below ${HALF} had been acknowledged before the restart)`);
  const idsBySeq = list => new Map(list.map(item => [ item.seq, item.messageId ]));
  const normalIds = idsBySeq([ ...state.normal.acked, ...state.normal.pending ]);
  for (const message of normal) {
    ctx.check(message.messageId === normalIds.get(message.seq), `normal seq=${message.seq}: message id changed across the restart`);
    ctx.check(message.body === `${ctx.runId}-${message.seq}`, `normal seq=${message.seq}: body changed across the restart`);
  }
  const liteIds = idsBySeq([ ...state.lite.acked, ...state.lite.pending ]);
  for (const message of inbox.messages) {
    ctx.check(message.messageId === liteIds.get(message.seq), `lite seq=${message.seq}: message id changed across the restart`);
    ctx.check(message.liteTopic === state.lite.liteTopic, `lite seq=${message.seq}: lite_topic is '${message.liteTopic}'`);
  }
  ctx.checkNoRpcProblems();
  return { phase, ...received };
}

scenario(`durability-${phase}`, ctx => (phase === 'send' ? sendPhase(ctx) : consumePhase(ctx)));
