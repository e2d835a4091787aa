// Errors raised by the codec itself (not Kafka wire error codes: those live in errors.ts).
//
// ProtocolError: the bytes are malformed (truncated, a length beyond the frame, a bad varint, a
// count that cannot fit). The connection that sent them is closed; nothing is answered.
// EncodeError: a message cannot be written in the requested version (null where the version is not
// nullable, a non-ignorable field set in a version that lacks it). A programming error in a handler.

export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

export class EncodeError extends Error {
  override name = 'EncodeError'
}
