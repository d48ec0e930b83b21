/**
 * Every profile row of drivers/ble/profiles.ts end to end: a simulated device with that profile's
 * service notifies or indicates bytes made by the protocols/gatt encoders, and the driver hands
 * on the decoded readings (docs/ble.md#profiles).
 */
import t from 'tap';
import { bloodPressureMeasurement } from '../../../protocols/gatt/blood-pressure-measurement.ts';
import { heartRateMeasurement } from '../../../protocols/gatt/heart-rate-measurement.ts';
import { toMedNumber } from '../../../protocols/gatt/ieee11073.ts';
import { intermediateCuffPressure } from '../../../protocols/gatt/intermediate-cuff-pressure.ts';
import { plxContinuous } from '../../../protocols/gatt/plx-continuous.ts';
import { plxSpotCheck } from '../../../protocols/gatt/plx-spot-check.ts';
import { temperatureMeasurement } from '../../../protocols/gatt/temperature-measurement.ts';
import { weightMeasurement } from '../../../protocols/gatt/weight-measurement.ts';
import { glucoseMeasurement } from '../../../protocols/gatt/glucose-measurement.ts';
import { BLE_PROFILES } from '../../../drivers/ble/profiles.ts';
import { SimulatedPeripheral } from '../../../drivers/ble/simulated-peripheral.ts';
import type { CharacteristicProperty } from '../../../drivers/ble/ble-central.ts';
import { until } from '../../fakes/wait.ts';
import { setup } from './ble-support.ts';

const sf = (v: number, decimals = 0) => toMedNumber(v, decimals);

/** Per profile: one value per characteristic, and the readings the driver must hand on ([metric, value]). */
const CASES: Record<string, Array<{ uuid: string; bytes: Uint8Array; expect: Array<[string, number | null]> }>> = {
  'heart-rate': [{ uuid: '2a37', bytes: heartRateMeasurement.encode({ heartRate: 61, sensorContact: 'detected' }), expect: [['heart-rate', 61]] }],
  'blood-pressure': [
    {
      uuid: '2a35',
      bytes: bloodPressureMeasurement.encode({ unit: 'mmHg', systolic: sf(121), diastolic: sf(79), meanArterialPressure: sf(93), pulseRate: sf(64) }),
      expect: [['systolic-bp', 121], ['diastolic-bp', 79], ['mean-bp', 93], ['heart-rate', 64]],
    },
    { uuid: '2a36', bytes: intermediateCuffPressure.encode({ unit: 'mmHg', cuffPressure: sf(140) }), expect: [] },
  ],
  'health-thermometer': [{ uuid: '2a1c', bytes: temperatureMeasurement.encode({ unit: 'Cel', temperature: toMedNumber(37.2, 1, 'float') }), expect: [['body-temperature', 37.2]] }],
  'pulse-oximeter': [
    { uuid: '2a5e', bytes: plxSpotCheck.encode({ spo2: sf(97), pulseRate: sf(72), deviceClockNotSet: false }), expect: [['spo2', 97], ['heart-rate', 72]] },
    { uuid: '2a5f', bytes: plxContinuous.encode({ spo2: sf(95), pulseRate: sf(70) }), expect: [['spo2', 95], ['heart-rate', 70]] },
  ],
  'weight-scale': [{ uuid: '2a9d', bytes: weightMeasurement.encode({ units: 'SI', weight: 71.5 }), expect: [['body-weight', 71.5]] }],
  glucose: [
    {
      uuid: '2a18',
      bytes: glucoseMeasurement.encode({
        sequenceNumber: 7,
        baseTime: { year: 2026, month: 11, day: 24, hours: 7, minutes: 30, seconds: 0 },
        concentration: { unit: 'mol/L', value: toMedNumber(0.0056, 4), type: 1, sampleLocation: 1 },
        contextInformationFollows: false,
      }),
      expect: [['glucose-molar', 5.6]],
    },
  ],
};

t.test('every profile has a case here', async (t) => {
  t.same(Object.keys(CASES).sort(), BLE_PROFILES.map((p) => p.id).sort());
});

for (const profile of BLE_PROFILES) {
  t.test(`${profile.id}: subscribed, decoded, handed on`, async (t) => {
    const properties = (c: (typeof profile.characteristics)[number]): CharacteristicProperty[] =>
      c.uuid === '2a52' ? ['write', 'indicate'] : [c.delivery];
    const device = new SimulatedPeripheral({
      address: 'c0:ff:ee:00:01:00',
      services: [{ uuid: profile.serviceUuid, characteristics: profile.characteristics.map((c) => ({ uuid: c.uuid, properties: properties(c) })) }],
    });
    const { driver, readings } = setup(t, { peripherals: [device], devices: [{ id: profile.id, address: device.address, profile: profile.id }] });
    await driver.start();
    device.advertise();
    await until(() => driver.status.devices[0]!.state === 'connected', 'connected');
    for (const c of profile.characteristics) t.ok(device.isSubscribed(c.uuid), `subscribed to ${c.uuid}`);
    for (const { uuid, bytes, expect } of CASES[profile.id]!) {
      t.ok(device.notify(uuid, bytes), `${uuid} delivered`);
      const got = readings.filter((r) => r.characteristic === uuid).at(-1);
      t.same(got?.decoded.readings.map((r) => [r.metric, r.value]), expect, uuid);
    }
    t.same(driver.stats.rejected, {});
  });
}
