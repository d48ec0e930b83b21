/** Shared set-up for the BLE driver tests: a simulated adapter, scripted peripherals, a fake clock. */
import { encodeBatteryLevel } from '../../../protocols/gatt/battery-level.ts';
import { heartRateMeasurement } from '../../../protocols/gatt/heart-rate-measurement.ts';
import { createBleDriver, type BleDriverOptions, type BleDriverStatus, type BleReading, type BoundBleDevice } from '../../../drivers/ble/ble-driver.ts';
import { SimulatedCentral } from '../../../drivers/ble/simulated-central.ts';
import { SimulatedPeripheral } from '../../../drivers/ble/simulated-peripheral.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';

export const HR_ADDRESS = 'c0:ff:ee:00:00:01';
export const GLUCOSE_ADDRESS = 'c0:ff:ee:00:00:02';

const battery = (level: number) => ({ uuid: 0x180f, characteristics: [{ uuid: 0x2a19, properties: ['read', 'notify'] as const, value: encodeBatteryLevel({ level }) }] });

export function heartRatePeripheral(address = HR_ADDRESS, batteryLevel = 87): SimulatedPeripheral {
  return new SimulatedPeripheral({
    address,
    name: 'HRM',
    services: [{ uuid: 0x180d, characteristics: [{ uuid: 0x2a37, properties: ['notify'] }] }, battery(batteryLevel)],
  });
}

export function glucosePeripheral(address = GLUCOSE_ADDRESS): SimulatedPeripheral {
  return new SimulatedPeripheral({
    address,
    name: 'Meter',
    services: [
      {
        uuid: 0x1808,
        characteristics: [
          { uuid: 0x2a18, properties: ['notify'] },
          { uuid: 0x2a52, properties: ['write', 'indicate'] },
        ],
      },
    ],
  });
}

export const hrBytes = (bpm: number): Uint8Array => heartRateMeasurement.encode({ heartRate: bpm, sensorContact: 'detected' });

export const BACKOFF = { initialMs: 1_000, maxMs: 8_000, factor: 2, stableMs: 60_000 };
export const LINK_SILENCE_MS = 5_000;
export const SCAN_SILENCE_MS = 20_000;

export function setup(
  t: { teardown(fn: () => unknown): void },
  overrides: Partial<BleDriverOptions> & { peripherals?: SimulatedPeripheral[]; devices?: BoundBleDevice[] } = {},
) {
  const { peripherals = [heartRatePeripheral()], ...driverOverrides } = overrides;
  const central = new SimulatedCentral().add(...peripherals);
  const clock = new FakeClock(10_000);
  const { logger, records } = createTestLogger();
  const readings: BleReading[] = [];
  const statuses: BleDriverStatus[] = [];
  let random = 0.5;
  const driver = createBleDriver({
    devices: [{ id: 'hrm-1', address: HR_ADDRESS.toUpperCase(), profile: 'heart-rate' }],
    openCentral: async () => central,
    onReadings: (r) => readings.push(r),
    onStatus: (s) => statuses.push(s),
    logger,
    clock,
    random: () => random,
    backoff: BACKOFF,
    linkSilenceMs: LINK_SILENCE_MS,
    scanSilenceMs: SCAN_SILENCE_MS,
    ...driverOverrides,
  });
  t.teardown(() => driver.stop());
  return {
    central,
    clock,
    records,
    readings,
    statuses,
    driver,
    setRandom: (r: number) => {
      random = r;
    },
    device: (id = 'hrm-1') => driver.status.devices.find((d) => d.id === id)!,
    values: (characteristic = '2a37') => readings.filter((r) => r.characteristic === characteristic).map((r) => r.decoded.readings[0]?.value),
  };
}
