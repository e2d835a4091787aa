// kafkajs-snappy ships no types: it exports a KafkaJS codec factory (compress/decompress over an
// encoder whose `buffer` holds the bytes).
declare module 'kafkajs-snappy' {
  import type { CompressionCodecs, CompressionTypes } from 'kafkajs'
  const SnappyCodec: (typeof CompressionCodecs)[CompressionTypes]
  export default SnappyCodec
}
