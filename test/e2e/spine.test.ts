/** ISSUE 2 acceptance: device → hub → panel → relay → records, on real packages. */
import t from 'tap';
import mqtt from 'mqtt';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { socatAvailable } from '../../firmware-sim/pty.ts';
import { requireForFile } from '../support/requirements.ts';
import { alarmMessage, BUTTON_PASSWORD, relayAlarmInState, startSpine } from './spine-rig.ts';

if (!requireForFile('socat', socatAvailable(), 'Debian: apt-get install socat')) {
  // Reported by requireForFile: skipped on a user's machine, a failure under CI=true.
} else {
  t.test('serial call → panel SSE → acknowledged on the panel → acknowledged at the relay', async (t) => {
    const rig = await startSpine(t);
    // Garbage and a corrupted frame first: the framer must resync and still read the call.
    await rig.sim.writeRaw(Uint8Array.of(0x00, 0xa5, 0x07, 0x01, 0xff, 0x13));
    await rig.sim.press(17, 'call');
    const raised = JSON.parse((await rig.sse.next(alarmMessage((a) => a.roomId === 'room-101'), 'alarm on the panel')).data);
    t.match(raised, { state: 'active', type: 'call', roomName: 'Room 101', deviceId: 'cp-101' });

    const ack = await fetch(new URL(`api/alarms/${raised.id}/acknowledge`, rig.panelUrl), { method: 'POST', headers: { cookie: rig.staffCookie } });
    t.equal(ack.status, 200);
    await rig.sse.next(alarmMessage((a) => a.id === raised.id && a.state === 'acknowledged'), 'acknowledged on the panel');

    const atRelay = await relayAlarmInState(rig, raised.id, 'acknowledged');
    t.match(atRelay, { hubId: 'hub-e2e', roomId: 'room-101', type: 'call', priority: 'medium' });
    t.match(atRelay.lifecycle, [{ state: 'active' }, { state: 'acknowledged', by: { kind: 'panel', id: 'nurse-test' } }]);
    t.ok(rig.hub.metrics.get('inputs_total', { kind: 'call-point', via: 'serial' }) === 1, 'one call-point event');
    t.match(rig.hub.metrics.render(), /serial_rejected_total\{receiver="rx1",code="[a-z-]+"\} [1-9]/, 'the garbage was counted');

    // Cancel at the room resolves it, and the relay hears that too.
    await rig.sim.press(17, 'cancel');
    await rig.sse.next(alarmMessage((a) => a.id === raised.id && a.state === 'resolved'), 'resolved by cancel');
    const resolved = await relayAlarmInState(rig, raised.id, 'resolved');
    t.match(resolved.lifecycle.at(-1), { state: 'resolved', by: { kind: 'device', id: 'cp-101' } });
  });

  t.test('MQTT call from mqtt.js → panel SSE → acknowledged at the relay', async (t) => {
    const rig = await startSpine(t);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${rig.brokerPort}`, {
      clientId: 'btn-102',
      username: 'btn-102',
      password: BUTTON_PASSWORD,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    t.teardown(() => client.endAsync());
    await client.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
    const raised = JSON.parse((await rig.sse.next(alarmMessage((a) => a.roomId === 'room-102'), 'alarm on the panel')).data);
    t.match(raised, { state: 'active', deviceId: 'btn-102' });
    const ack = await fetch(new URL(`api/alarms/${raised.id}/acknowledge`, rig.panelUrl), { method: 'POST', headers: { cookie: rig.staffCookie } });
    t.equal(ack.status, 200);
    const atRelay = await relayAlarmInState(rig, raised.id, 'acknowledged');
    t.equal(atRelay.lifecycle.length, 2);
  });

  t.test('a hub restart between raising and acknowledging keeps the alarm active', async (t) => {
    const rig = await startSpine(t);
    await rig.sim.press(17, 'pull-cord');
    const raised = JSON.parse((await rig.sse.next(alarmMessage((a) => a.type === 'pull-cord'), 'alarm on the panel')).data);
    t.equal(raised.priority, 'high');
    await rig.restartHub();
    const snapshot = JSON.parse(rig.sse.messages.find((m) => m.event === 'snapshot')!.data);
    t.match(snapshot, [{ id: raised.id, state: 'active' }], 'the new panel shows the alarm, still active');
    const ack = await fetch(new URL(`api/alarms/${raised.id}/acknowledge`, rig.panelUrl), { method: 'POST', headers: { cookie: rig.staffCookie } });
    t.equal(ack.status, 200, 'acknowledged through the restarted hub');
    const atRelay = await relayAlarmInState(rig, raised.id, 'acknowledged');
    t.same(
      atRelay.lifecycle.map((l) => (l as { state: string }).state),
      ['active', 'acknowledged'],
      'the relay holds the whole lifecycle once',
    );
    // After the restart the serial receiver works again.
    await rig.sim.press(17, 'call');
    await rig.sse.next(alarmMessage((a) => a.type === 'call' && a.roomId === 'room-101'), 'call after restart');
  });
}
