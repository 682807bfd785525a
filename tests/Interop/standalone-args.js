'use strict';

// Prints the configuration arguments that declare the scenarios' topics and groups (and, for one named
// scenario, its broker options and authenticated users) on a standalone broker:
//   dotnet run -c Release --project src/AgentBus.Server.Host -- $(node tests/Interop/standalone-args.js)
//   dotnet run -c Release --project src/AgentBus.Server.Host -- $(node tests/Interop/standalone-args.js lite-topic-quota)

const resources = require('./scenarios/resources.json');

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(resources).filter(name => !name.startsWith('$'));
const topics = new Map();
const groups = new Map();
const args = [];
for (const name of names) {
  const declaration = resources[name];
  if (!declaration) {
    process.stderr.write(`unknown scenario '${name}'\n`);
    process.exit(64);
  }
  for (const topic of declaration.topics) topics.set(topic.name, topic);
  for (const group of declaration.groups) groups.set(group.name, group);
  if (requested.length === 1) {
    for (const [ option, value ] of Object.entries(declaration.broker ?? {})) args.push(`--Broker:${option}=${value}`);
    (declaration.auth?.users ?? []).forEach((user, index) => {
      // Users without permissions may do everything, as the scenarios written before permissions expect.
      if (index === 0) args.push('--Server:Auth:Enabled=true', '--Server:Auth:DefaultAllow=true');
      args.push(`--Server:Auth:Users:${index}:AccessKey=${user.accessKey}`, `--Server:Auth:Users:${index}:SecretKey=${user.secretKey}`);
      (user.permissions ?? []).forEach((permission, p) => {
        const prefix = `--Server:Auth:Users:${index}:Permissions:${p}`;
        args.push(`${prefix}:Actions=${permission.actions}`, `${prefix}:Topic=${permission.topic}`);
        (permission.liteTopics ?? []).forEach((pattern, k) => args.push(`${prefix}:LiteTopics:${k}=${pattern}`));
        (permission.groups ?? []).forEach((pattern, k) => args.push(`${prefix}:Groups:${k}=${pattern}`));
      });
    });
  }
}
[ ...topics.values() ].forEach((topic, index) => {
  args.push(`--Broker:Topics:${index}:Name=${topic.name}`, `--Broker:Topics:${index}:MessageType=${topic.messageType}`);
});
[ ...groups.values() ].forEach((group, index) => {
  args.push(`--Broker:Groups:${index}:Name=${group.name}`);
  if (group.bindTopic) args.push(`--Broker:Groups:${index}:BindTopic=${group.bindTopic}`);
  if (group.fifo) args.push(`--Broker:Groups:${index}:Fifo=true`);
  if (group.maxDeliveryAttempts) args.push(`--Broker:Groups:${index}:MaxDeliveryAttempts=${group.maxDeliveryAttempts}`);
  if (group.liteMode) args.push(`--Broker:Groups:${index}:LiteMode=${group.liteMode}`);
});
process.stdout.write(`${args.join(' ')}\n`);
