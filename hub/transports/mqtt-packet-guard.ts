/**
 * Watches an MQTT byte stream for packets declaring more than `maxBytes`.
 * aedes' parser (mqtt-packet) buffers a whole packet before anyone sees it, even
 * a CONNECT from a client that has not authenticated, so one connection
 * announcing 200 MB could exhaust a Pi. Pure: bytes in, verdict out.
 *
 * [MQTT-2.2.3] fixed header: 1 byte type/flags, then the remaining length as a
 * variable byte integer of 1..4 bytes, 7 bits each, least significant first.
 */
export class MqttPacketGuard {
  /** bytes of the current packet body still to skip */
  private skip = 0;
  /** position inside the fixed header: 0 = expecting the type byte, 1..4 = length bytes read */
  private headerPos = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {}

  /** Feeds bytes; returns a reason when the stream must be cut, else null. */
  push(chunk: Uint8Array): string | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.headerPos === 0) {
        this.headerPos = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        if (++this.headerPos > 4) return 'malformed remaining length';
        continue;
      }
      if (this.length > this.maxBytes) return `packet of ${this.length} bytes exceeds ${this.maxBytes}`;
      this.skip = this.length;
      this.headerPos = 0;
    }
    return null;
  }
}
