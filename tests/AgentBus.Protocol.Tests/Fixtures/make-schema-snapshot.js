// Writes rocketmq-v2-schema.txt: one sorted line per wire-relevant fact (file placement, every
// message, field number, label, type, oneof, proto3 "optional", enum value and RPC) of a
// compiled FileDescriptorSet. SchemaSnapshotTests computes the same lines from our generated
// C# descriptors and requires them to be equal.
//
// The committed snapshot was taken from the .proto files shipped in the rocketmq-client-nodejs
// 1.0.8 npm package (see make-fixtures.js for unpacking it), compiled with the protoc of
// Grpc.Tools 2.85.0:
//   protoc -I<grpc.tools>/build/native/include -I package/proto \
//     --descriptor_set_out=npm.pb apache/rocketmq/v2/definition.proto apache/rocketmq/v2/service.proto
//   node make-schema-snapshot.js "$PWD/package" npm.pb > rocketmq-v2-schema.txt
'use strict';
const fs = require('fs');
const path = require('path');
const [root, setPath] = process.argv.slice(2);
const d = require(path.join(root, 'node_modules/google-protobuf/google/protobuf/descriptor_pb.js'));
const set = d.FileDescriptorSet.deserializeBinary(fs.readFileSync(setPath));
const out = [];
for (const f of set.getFileList()) {
  const pkg = f.getPackage();
  const ns = f.getOptions() ? f.getOptions().getCsharpNamespace() : '';
  out.push(`file ${f.getName()} package=${pkg} csharp_namespace=${ns} deps=${f.getDependencyList().slice().sort().join(',')}`);
  const addEnum = (prefix, e) => {
    out.push(`enum ${prefix}.${e.getName()} in ${f.getName()}`);
    for (const v of e.getValueList()) out.push(`enumval ${prefix}.${e.getName()}.${v.getName()}=${v.getNumber()}`);
  };
  const addMessage = (prefix, m) => {
    const full = `${prefix}.${m.getName()}`;
    out.push(`message ${full} in ${f.getName()}`);
    const oneofs = m.getOneofDeclList().map(o => o.getName());
    for (const fd of m.getFieldList()) {
      const oneof = fd.hasOneofIndex() ? oneofs[fd.getOneofIndex()] : '-';
      out.push(`field ${full}.${fd.getName()} #${fd.getNumber()} label=${fd.getLabel()} type=${fd.getType()} type_name=${fd.getTypeName() || '-'} oneof=${oneof} proto3_optional=${fd.getProto3Optional() ? 'true' : 'false'}`);
    }
    for (const e of m.getEnumTypeList()) addEnum(full, e);
    for (const n of m.getNestedTypeList()) addMessage(full, n);
  };
  for (const e of f.getEnumTypeList()) addEnum('.' + pkg, e);
  for (const m of f.getMessageTypeList()) addMessage('.' + pkg, m);
  for (const s of f.getServiceList()) {
    for (const mt of s.getMethodList()) {
      out.push(`rpc ${pkg}.${s.getName()}/${mt.getName()} input=${mt.getInputType()} output=${mt.getOutputType()} client_streaming=${mt.getClientStreaming() ? 'true' : 'false'} server_streaming=${mt.getServerStreaming() ? 'true' : 'false'}`);
    }
  }
}
out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
process.stdout.write(out.join('\n') + '\n');
