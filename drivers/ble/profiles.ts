/**
 * The BLE health profiles the driver can bind (docs/ble.md#profiles): which service to scan for,
 * which characteristics to subscribe to, whether to read the battery. One table; the values are
 * decoded by protocols/gatt, so every characteristic here has a codec there
 * (test/drivers/ble/profiles.test.ts fails otherwise).
 */
import { BLOOD_PRESSURE_MEASUREMENT_UUID } from '../../protocols/gatt/blood-pressure-measurement.ts';
import { GLUCOSE_MEASUREMENT_UUID } from '../../protocols/gatt/glucose-measurement.ts';
import { HEART_RATE_MEASUREMENT_UUID } from '../../protocols/gatt/heart-rate-measurement.ts';
import { INTERMEDIATE_CUFF_PRESSURE_UUID } from '../../protocols/gatt/intermediate-cuff-pressure.ts';
import { PLX_CONTINUOUS_UUID } from '../../protocols/gatt/plx-continuous.ts';
import { PLX_SPOT_CHECK_UUID } from '../../protocols/gatt/plx-spot-check.ts';
import { RECORD_ACCESS_CONTROL_POINT_UUID } from '../../protocols/gatt/record-access-control-point.ts';
import { TEMPERATURE_MEASUREMENT_UUID } from '../../protocols/gatt/temperature-measurement.ts';
import { WEIGHT_MEASUREMENT_UUID } from '../../protocols/gatt/weight-measurement.ts';
import { BATTERY_LEVEL_UUID } from '../../protocols/gatt/battery-level.ts';
import { normalizeUuid } from './ble-central.ts';

const short = (uuid: number): string => normalizeUuid(uuid)!;

/** [Assigned Numbers 3.4.2] Battery Service; its Battery Level 0x2A19 is read once per connection. */
export const BATTERY_SERVICE_UUID = short(0x180f);
export const BATTERY_LEVEL_CHARACTERISTIC = short(BATTERY_LEVEL_UUID);
export const RACP_CHARACTERISTIC = short(RECORD_ACCESS_CONTROL_POINT_UUID);

export interface BleCharacteristicSpec {
  uuid: string;
  /** How the service specification delivers it: notifications (unacknowledged) or indications (acknowledged). */
  delivery: 'notify' | 'indicate';
  /**
   * The device sends it continuously (about once a second) while connected, so a silent link
   * means a dead one (docs/ble.md#pi-quirks). Episodic values (a cuff reading, a weighing) are not.
   */
  streams?: boolean;
}

export interface BleProfile {
  id: string;
  name: string;
  serviceUuid: string;
  /** Subscribed to when the device has them; a device with none of them is refused. */
  characteristics: readonly BleCharacteristicSpec[];
  readBattery: boolean;
  /** Fetch stored records through the Record Access Control Point after subscribing (glucose). */
  recordAccess?: boolean;
}

export const BLE_PROFILES: readonly BleProfile[] = [
  {
    id: 'heart-rate',
    name: 'Heart Rate (HRS)',
    serviceUuid: short(0x180d),
    // [HRS 3.1] Heart Rate Measurement is notified, typically once a second
    characteristics: [{ uuid: short(HEART_RATE_MEASUREMENT_UUID), delivery: 'notify', streams: true }],
    readBattery: true,
  },
  {
    id: 'blood-pressure',
    name: 'Blood Pressure (BLS)',
    serviceUuid: short(0x1810),
    characteristics: [
      { uuid: short(BLOOD_PRESSURE_MEASUREMENT_UUID), delivery: 'indicate' }, // [BLS 3.1] indicated, one per measurement
      { uuid: short(INTERMEDIATE_CUFF_PRESSURE_UUID), delivery: 'notify' }, // [BLS 3.2] optional, notified while the cuff inflates
    ],
    readBattery: true,
  },
  {
    id: 'health-thermometer',
    name: 'Health Thermometer (HTS)',
    serviceUuid: short(0x1809),
    characteristics: [{ uuid: short(TEMPERATURE_MEASUREMENT_UUID), delivery: 'indicate' }], // [HTS 3.1]
    readBattery: true,
  },
  {
    id: 'pulse-oximeter',
    name: 'Pulse Oximeter (PLXS)',
    serviceUuid: short(0x1822),
    characteristics: [
      { uuid: short(PLX_SPOT_CHECK_UUID), delivery: 'indicate' }, // [PLXS 3.1] spot-check, indicated
      { uuid: short(PLX_CONTINUOUS_UUID), delivery: 'notify', streams: true }, // [PLXS 3.2] continuous, notified
    ],
    readBattery: true,
  },
  {
    id: 'weight-scale',
    name: 'Weight Scale (WSS)',
    serviceUuid: short(0x181d),
    characteristics: [{ uuid: short(WEIGHT_MEASUREMENT_UUID), delivery: 'indicate' }], // [WSS 3.1]
    readBattery: true,
  },
  {
    id: 'glucose',
    name: 'Glucose (GLS)',
    serviceUuid: short(0x1808),
    characteristics: [
      { uuid: short(GLUCOSE_MEASUREMENT_UUID), delivery: 'notify' }, // [GLS 3.1] stored records arrive as notifications
      { uuid: RACP_CHARACTERISTIC, delivery: 'indicate' }, // [GLS 3.4] RACP responses are indicated
    ],
    readBattery: true,
    recordAccess: true,
  },
];

/** Profiles keyed by id. */
const BY_ID = new Map(BLE_PROFILES.map((p) => [p.id, p]));

export function getBleProfile(id: string): BleProfile | undefined {
  return BY_ID.get(id);
}
