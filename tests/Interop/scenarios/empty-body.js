'use strict';

// An empty message body is refused with MESSAGE_BODY_EMPTY (41302), as Apache RocketMQ's proxy does; the
// client raises it as a ClientException with that code (an UnsupportedException: 1.0.8 does not list it).

const { Code, ClientException } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const { resourcesFor, startProducer, send } = require('../lib/clients');

scenario('empty-body', async ctx => {
  const topic = resourcesFor('empty-body').topics[0].name;
  const producer = await startProducer(ctx, { topics: [ topic ] });
  const empty = await ctx.step('send an empty body', () =>
    ctx.expectRejection('a send with an empty body', () => send(ctx, producer, { topic, seq: 1, body: '' })));
  ctx.check(empty instanceof ClientException && empty.code === Code.MESSAGE_BODY_EMPTY,
    `empty body: expected MESSAGE_BODY_EMPTY (41302), got ${empty.name} code=${empty.code}: ${empty.message}`);
  ctx.checkNoRpcProblems(problem => problem.code === Code.MESSAGE_BODY_EMPTY);
  return { error: empty.name, code: empty.code };
});
