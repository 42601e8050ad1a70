import protobuf from 'protobufjs';

/** How one field of a message is rewritten: a new payload (length-delimited fields only), or dropped. */
export type FieldRewrite = ((payload: Uint8Array) => Uint8Array) | 'drop';

const LENGTH_DELIMITED = 2;

/**
 * Re-emit a protobuf message field by field, byte for byte, except the fields named in `rewrites`
 * (by field number), then append `extra` (already-encoded fields). Working on the wire format keeps
 * every field we have no schema for; decoding and re-encoding through a partial schema would
 * silently drop them.
 */
export function spliceMessage(message: Uint8Array, rewrites: ReadonlyMap<number, FieldRewrite>, extra?: Uint8Array): Uint8Array {
  const reader = protobuf.Reader.create(message);
  const parts: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    const rewrite = rewrites.get(field);
    if (rewrite === undefined || rewrite === 'drop') {
      reader.skipType(wireType);
      if (rewrite === undefined) parts.push(message.subarray(start, reader.pos));
      continue;
    }
    if (wireType !== LENGTH_DELIMITED) throw new Error(`field ${field} has wire type ${wireType}, expected a message`);
    const payload = rewrite(reader.bytes());
    parts.push(protobuf.Writer.create().uint32(tag).bytes(payload).finish());
  }
  if (extra) parts.push(extra);
  return Buffer.concat(parts);
}

/** One encoded length-delimited field (`bytes` / embedded message). */
export function encodeBytesField(field: number, payload: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32((field << 3) | LENGTH_DELIMITED).bytes(payload).finish();
}
