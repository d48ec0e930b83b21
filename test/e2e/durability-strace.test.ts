/**
 * Durability on the real file system (docs/architecture.md, promise 1: a call the hub acknowledged
 * survives a power cut). strace, attached to a running hub started through its CLI, records the
 * system calls while a configured MQTT call point publishes one QoS 1 call. The LevelDB write-ahead
 * log (`leveldb/NNNNNN.log`) must be fdatasync'ed (or fsync'ed) after the PUBLISH is read from the
 * device's socket and finish before the PUBACK is written to it. A flag check could not see this: it
 * is what reaches the disk, in order, that counts.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { startHubWithButton } from '../support/hub-process.ts';
import { requirement } from '../support/requirements.ts';
import { attachStrace, parseStrace, straceUnavailable, type Syscall } from '../support/strace.ts';

const unavailable = await straceUnavailable();

t.test(
  'a QoS 1 call is fdatasync\'ed to the LevelDB log between its PUBLISH and its PUBACK',
  { skip: requirement('strace', unavailable === undefined, unavailable ?? '') },
  async (t) => {
    const dir = t.testdir();
    const { hub, device } = await startHubWithButton(t, dir, { hubId: 'hub-strace', logLevel: 'warn' });
    const devicePort = (device.stream as unknown as { localPort: number }).localPort;

    // Attached after start-up: the trace then holds only what the call causes.
    const traceFile = join(dir, 'hub.strace');
    const tracer = await attachStrace(hub.child.pid!, traceFile);
    t.teardown(() => tracer.detach());
    const topic = deviceTopic('btn-1', 'call');
    await device.publishAsync(topic, JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
    // The PUBACK's bytes leave during the writev, before strace has printed that call's line (it does so
    // at the syscall's exit stop); detaching at once could lose the line on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await tracer.detach();

    const calls = parseStrace(readFileSync(traceFile, 'utf8'));
    const socket = (c: Syscall) => c.fd !== undefined && c.fd.includes('TCP:[') && c.fd.endsWith(`:${devicePort}]`);
    const publish = calls.find((c) => (c.name === 'read' || c.name === 'recvfrom') && socket(c) && c.args.includes(topic));
    const puback = calls.find((c) => (c.name === 'writev' || c.name === 'write') && socket(c) && /^\d+<TCP:\[.*?\]>, (\[\{iov_base=)?"@/.test(c.args));
    const syncs = calls.filter((c) => (c.name === 'fdatasync' || c.name === 'fsync') && /\/leveldb\/\d{6}\.log$/.test(c.fd ?? '') && c.result === '0');
    t.ok(publish, `the PUBLISH on ${topic} is read from the device's socket (port ${devicePort})`);
    t.ok(puback, 'the PUBACK is written to the device\'s socket');
    t.ok(syncs.length > 0, `the LevelDB log is fdatasync'ed (${syncs.map((s) => `${s.name}(${basename(s.fd!)})`).join(', ')})`);
    const between = syncs.filter((s) => publish !== undefined && puback !== undefined && s.start > publish.end && s.end <= puback.start);
    t.ok(
      between.length > 0,
      `an fdatasync of the log starts after the PUBLISH is read (${publish?.end}) and returns before the PUBACK is written (${puback?.start}): ` +
        syncs.map((s) => `${s.start}-${s.end}`).join(', '),
    );
    // What is synced is the call itself: the outbox record reaches that log file after the PUBLISH and before the sync.
    const logged = calls.find(
      (c) => c.name === 'write' && c.fd === between[0]?.fd && publish !== undefined && c.start > publish.end && c.end <= between[0]!.start && c.args.includes('outbox:'),
    );
    t.ok(logged, 'the outbox record is written to the log before that fdatasync');
  },
);
