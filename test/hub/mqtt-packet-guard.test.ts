import t from 'tap';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { MqttPacketGuard } from '../../hub/transports/mqtt-packet-guard.ts';

const packets = [
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'btn-1', keepalive: 30, username: 'btn-1', password: Buffer.from('pw') }),
  mqttPacket.generate({ cmd: 'publish', topic: 'care/v1/devices/btn-1/call', payload: Buffer.from('{"event":"call","seq":1}'), qos: 1, messageId: 7, retain: false, dup: false }),
  mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(1000, 1), qos: 0, retain: false, dup: false }),
  mqttPacket.generate({ cmd: 'pingreq' }),
  mqttPacket.generate({ cmd: 'disconnect' }),
];

t.test('real packets pass in any chunking; an oversized one is refused', async (t) => {
  const stream = Buffer.concat(packets);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      const guard = new MqttPacketGuard(2000);
      for (let pos = 0, i = 0; pos < stream.length; pos += sizes[i++ % sizes.length]!) {
        if (guard.push(stream.subarray(pos, pos + sizes[i % sizes.length]!)) !== null) return false;
      }
      return true;
    }),
  );
  const small = new MqttPacketGuard(500);
  t.equal(small.push(packets[0]!), null, 'CONNECT fits');
  t.match(small.push(packets[2]!), /exceeds 500/, 'a 1 kB publish does not');
  // A CONNECT header announcing 200 MB (0x10, remaining length 0xC0 0x84 0xBD 0x5F), before any body.
  t.match(new MqttPacketGuard(65_536).push(Uint8Array.of(0x10, 0x80, 0x84, 0xaf, 0x5f)), /exceeds 65536/);
  t.match(new MqttPacketGuard(65_536).push(Uint8Array.of(0x10, 0xff, 0xff, 0xff, 0xff, 0x01)), /malformed/);
});
